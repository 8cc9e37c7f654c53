// SPDX-License-Identifier: MIT
/*
 * fate.c - the one fate of a connection: open, half-closed, or failed
 * with an error, shared by both directions (s->fate). SO_ERROR is
 * read-and-clear: a read that takes a reset, a send that takes it, and
 * the look after a write's pages came back all record it here, and every
 * later result of either direction reports it.
 *
 * Also here: which errors break the write stream (a write that failed
 * after part of it went out left a hole) and which fail one job alone,
 * and the verdict on a zero-copy write whose pages came back: delivered
 * means the peer acknowledged its last byte, not that no error was seen.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

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

int zc__fate_note(struct zc_sock *s, int err)
{
	if (s->aborted)
		return s->fate; /* our reset: whatever the kernel says now */
	if (s->dgram || zc__err_is_local(err))
		return err; /* a datagram's error ends nothing */
	if (!s->fate)
		s->fate = err;
	return s->fate;
}

/*
 * End the job being sent with err. A failure after part of the job went
 * out leaves a hole in the stream, and a connection error ends it: later
 * jobs fail too. A job that failed alone, with nothing sent, leaves the
 * stream whole; so does cancelling a started write (documented: the peer
 * gets part).
 */
void zc__tx_fail(struct zc_sock *s, struct zc__job *job, int err)
{
	err = zc__fate_note(s, err);
	job->error = err;
	/* A datagram is one send: there is no stream to protect. */
	if (!(job->cancel && err == -ECANCELED) && !s->tx_broken && !s->dgram &&
	    (job->off || !zc__err_is_local(err)))
		s->tx_broken = err;
}

/*
 * The stream offset up to which the peer acknowledged our bytes: what we
 * handed the kernel less what it still holds unacknowledged (SIOCOUTQ is
 * write_seq - snd_una, our FIN included once queued). Bytes written to
 * the descriptor outside the library count as ours not yet acknowledged.
 */
static uint64_t zc__acked_now(struct zc_sock *s)
{
	int outq = 0;
	uint64_t unacked;

	if (ioctl(s->fd, SIOCOUTQ, &outq) < 0 || outq < 0)
		return 0;
	unacked = (uint64_t)outq;
	if (s->fin && unacked)
		unacked--;
	return unacked < s->tx_taken ? s->tx_taken - unacked : 0;
}

/* s->acked only grows, as acknowledgements do: a job ending at or below
 * it needs no system call. Frozen at an abort. */
static void zc__acked_update(struct zc_sock *s)
{
	uint64_t a;

	if (s->aborted || s->dgram)
		return;
	a = zc__acked_now(s);
	if (a > s->acked)
		s->acked = a;
}

void zc__fate_abort(struct zc_sock *s, int err)
{
	/* The reset rewrites the sequence numbers: look before it. */
	zc__acked_update(s);
	if (!s->fate)
		s->fate = err;
	s->aborted = true;
}

/*
 * Whether a write of s is past its deadline: then the kernel's own abort
 * (TCP_USER_TIMEOUT is set to the deadline) is what closed it, whoever
 * took its -ETIMEDOUT from SO_ERROR first.
 */
static bool zc__overdue(struct zc_sock *s)
{
	int64_t now = zc__now_ms();

	for (struct zc__list *it = s->wq.next; it != &s->wq; it = it->next) {
		int64_t d = zc__job_of(it)->deadline;

		if (d && d <= now)
			return true;
	}
	return false;
}

/*
 * Pages came back before the peer acknowledged them: the kernel copied
 * (it keeps its own copy and goes on), or the connection died and the
 * kernel dropped its queues. Only a dead connection is closed: ask, and
 * record what killed it. Closed with no error left means another reader
 * of SO_ERROR (the recv of a read not yet reported) took it.
 */
static void zc__fate_look(struct zc_sock *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int err = 0;

	if (s->fate ||
	    getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    ti.tcpi_state != TCP_CLOSE)
		return;
	len = sizeof(err);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || !err)
		err = zc__overdue(s) ? ETIMEDOUT : ECONNRESET;
	s->fate = -err;
}

/*
 * The count stays what the kernel took (the peer may have got more than
 * it acknowledged when the reset came, never more than that): only the
 * error says the job was not delivered.
 */
int zc__write_verdict(struct zc_sock *s, struct zc__job *job)
{
	if (job->error || !job->released_by_kernel || s->dgram)
		return job->error;
	if (job->end > s->acked)
		zc__acked_update(s);
	if (job->end <= s->acked)
		return 0; /* delivered */
	zc__fate_look(s);
	return s->fate; /* 0: alive, the kernel sends its own copy */
}
