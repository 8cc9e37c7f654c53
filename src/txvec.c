// SPDX-License-Identifier: MIT
/*
 * txvec.c - which bytes one send carries. The send that starts at a
 * socket's current job (s->tx_cur) takes the rest of it and, on a stream,
 * as many of the jobs queued after it as fit in one vectored send:
 * ZC_OPT_SEG_MAX bytes and ZC__SEND_IOV pieces at most (issue 10: a 4 KiB
 * stream then costs a system call per segment, not per job). What the
 * kernel took goes back to those jobs in queue order; a short send ends
 * inside one of them, and the next send starts there.
 *
 * Which jobs may share a send, and why:
 *  - never two datagrams: a UDP job is one datagram (zcaio.h);
 *  - only jobs that would have been sent the same way alone: the same
 *    tx_zcopy and threshold knobs, on the same side of the threshold.
 *    Zero-copy and copied jobs never share a send (one completion rule
 *    per send: released, or taken);
 *  - a zero-copy send from a registered pool uses that pool's buffer
 *    (io_uring fixed buffers), and a request names one buffer: it carries
 *    pieces of that one pool, and only one piece where the kernel cannot
 *    take a registered buffer with an iovec (SENDMSG_ZC before Linux
 *    6.15, e->vec_fixed). Copies, and zero-copy on the epoll backends,
 *    mix pools and plain memory freely;
 *  - a job being cancelled, or jobs after a send whose error could be any
 *    of its jobs' (tx_solo), go alone;
 *  - nothing waits for more jobs: the send carries what is queued now.
 * One send in flight per socket stays the rule (tx.c); this file only
 * decides what that send holds.
 */
#include "core.h"

static struct zc__job *zc__job_next(struct zc__job *job)
{
	struct zc__list *n = job->link.next;

	return n == &job->sock->wq ? NULL : zc__job_of(n);
}

void zc__job_took(struct zc__job *job, size_t n)
{
	job->off += n;
	while (n) {
		size_t room = job->pieces[job->piece].len - job->piece_off;

		if (n < room) {
			job->piece_off += n;
			return;
		}
		n -= room;
		job->piece++;
		job->piece_off = 0;
	}
}

/* Whether a send that @first starts (its part: @seg bytes) may carry @j. */
static bool zc__joinable(const struct zc__job *first, size_t seg,
			 const struct zc__job *j)
{
	size_t j_seg = j->len < j->knobs.seg_max ? j->len : j->knobs.seg_max;

	if (j->state != ZC__JOB_QUEUED || j->cancel ||
	    j->knobs.tx_zcopy != first->knobs.tx_zcopy)
		return false;
	if (first->knobs.tx_zcopy == ZC_TX_OFF)
		return true;
	return j->knobs.zc_threshold == first->knobs.zc_threshold &&
	       (j_seg >= j->knobs.zc_threshold) ==
		       (seg >= first->knobs.zc_threshold);
}

/* Whether a zero-copy send that began with @p0 may also carry @p. */
static bool zc__piece_fits(const struct zc_engine *e, const struct zc__op *op,
			   const struct zc__piece *p)
{
	const struct zc__piece *p0;

	if (!e->be->fixed_buffers || op->job->sock->dgram)
		return true; /* a datagram goes whole; its slot is decided */
	p0 = &op->job->pieces[op->job->piece];
	return p->pool == p0->pool && (!p0->pool || e->vec_fixed);
}

/* The registered buffer a zero-copy send may use: all pieces in one pool. */
static int zc__send_slot(const struct zc_engine *e, const struct zc__op *op,
			 struct zc_pool *pool)
{
	if (!e->be->fixed_buffers || !pool || (op->iovcnt > 1 && !e->vec_fixed))
		return -1;
	return (int)pool->slot;
}

/*
 * Fill op with the next send of @s: from s->tx_cur's cursor, @seg bytes
 * of it (its segment, as tx.c cut it) and, on a stream, the jobs that may
 * join, up to seg_max bytes. Sets op's job, job_off, njobs, iov, iovcnt,
 * len and slot. Returns the bytes of plain memory in it (what a zero-copy
 * send pins beyond the pools).
 */
size_t zc__tx_gather(struct zc_sock *s, struct zc__op *op, size_t seg, bool zc)
{
	struct zc__job *first = s->tx_cur, *job = first;
	size_t cap = s->dgram ? seg : first->knobs.seg_max, plain = 0;
	struct zc_pool *pool = first->pieces[first->piece].pool;
	bool one_pool = true;

	if (cap > s->e->be->io_max)
		cap = s->e->be->io_max; /* what one request carries */
	op->job = first;
	op->job_off = first->off;
	op->njobs = 0;
	op->iovcnt = 0;
	op->len = 0;
	while (job) {
		unsigned int i = job->piece;
		size_t at = job->piece_off;

		for (; i < job->npieces && op->iovcnt < ZC__SEND_IOV; i++) {
			const struct zc__piece *p = &job->pieces[i];
			size_t n = p->len - at;

			if (op->len == cap ||
			    (op->iovcnt && zc && !zc__piece_fits(s->e, op, p)))
				break;
			if (n > cap - op->len)
				n = cap - op->len;
			op->iov[op->iovcnt].iov_base = p->base + at;
			op->iov[op->iovcnt++].iov_len = n;
			op->len += n;
			if (!p->pool)
				plain += n;
			one_pool &= p->pool == pool;
			if (at + n < p->len)
				break; /* cut at cap: the piece goes on later */
			at = 0;
		}
		op->njobs++;
		if (i < job->npieces || s->dgram || s->tx_solo)
			break; /* this job does not end in this send */
		job = zc__job_next(job);
		if (job && !zc__joinable(first, seg, job))
			break;
	}
	op->slot = zc && one_pool ? zc__send_slot(s->e, op, pool) : -1;
	return plain;
}

/* Whether @job is one of the jobs the send @op carries. */
bool zc__op_carries(const struct zc__op *op, const struct zc__job *job)
{
	struct zc__job *j = op->job;

	for (unsigned int k = 0; j && k < op->njobs; k++, j = zc__job_next(j))
		if (j == job)
			return true;
	return false;
}

/*
 * The kernel took @taken bytes of @op (0 on an error): move the cursors of
 * the jobs it carried on, in order; a job that took nothing and had not
 * started before is queued again, as if the send had never named it.
 * Each job that took bytes ends, so far, at the socket's stream offset
 * after them (job->end: what the peer must acknowledge, fate.c).
 * Returns the jobs that took bytes (what a release of @op gives back).
 */
unsigned int zc__tx_took(struct zc__op *op, size_t taken, bool copied)
{
	struct zc__job *job = op->job;
	struct zc_sock *s = op->sock;
	unsigned int took = 0;

	for (unsigned int k = 0; k < op->njobs; k++) {
		size_t n = job->len - job->off;

		if (n > taken)
			n = taken;
		taken -= n;
		job->inflight--;
		if (n) {
			zc__job_took(job, n);
			s->tx_taken += n;
			job->end = s->tx_taken;
			if (copied)
				job->bytes_copied += n;
			took = k + 1;
		} else if (!job->off && job != op->job) {
			job->state = ZC__JOB_QUEUED;
		}
		job = zc__job_next(job);
	}
	return took;
}
