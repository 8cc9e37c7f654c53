// SPDX-License-Identifier: MIT
/*
 * fate.c - what happened to a connection: which errors break the stream
 * (a write that failed after part of it went out left a hole; a
 * connection error ends it) and which fail one job alone, and the check
 * that a connection whose pages came back is still there.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "core.h"

/* Errors that say nothing about the connection: the job failed alone. */
bool zc__err_is_local(int err)
{
	switch (err) {
	case -EFAULT:
	case -EINVAL:
	case -EOPNOTSUPP:
	case -ENOMEM:
	case -ENOBUFS:
	case -ECANCELED:
	case -EMSGSIZE:
	case -EBUSY: return true;
	}
	return false;
}

/*
 * End the job being sent with err. A failure after part of the job went
 * out leaves a hole in the stream, and a connection error ends it: later
 * jobs fail too. A job that failed alone, with nothing sent, leaves the
 * stream whole.
 */
void zc__tx_fail(struct zc_sock *s, struct zc__job *job, int err)
{
	job->error = err;
	/* A datagram is one send: there is no stream to protect. */
	if (!(job->cancel && err == -ECANCELED) && !s->tx_err && !s->dgram &&
	    (job->off || !zc__err_is_local(err)))
		s->tx_err = err;
}

/*
 * A reset makes the kernel drop its queues and release the pages of data
 * the peer never acknowledged. A write whose pages came back that way must
 * not report success: after its last release, with no send of ours in
 * flight to hear of the error, ask the socket whether it is still there.
 */
void zc__conn_check(struct zc_sock *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int err = 0;

	if (s->tx_err || s->tx_busy ||
	    getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    ti.tcpi_state != TCP_CLOSE)
		return;
	/*
	 * Closed with no error is the graceful end: our FIN was acked, and
	 * with it every byte before it (seen: a peer that shut down first
	 * acks our FIN while zc_sock_close() shuts down, before the last
	 * job's callback). A reset leaves ECONNRESET or EPIPE here.
	 */
	len = sizeof(err);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || !err)
		return;
	s->tx_err = -err;
}
