// SPDX-License-Identifier: MIT
/*
 * job.c - job objects (their free list) and the public job API: zc_write,
 * zc_read, zc_cancel. Checks the caller's arguments, resolves the knobs a
 * write keeps for its life, and puts the job on its socket's queue; what
 * happens next belongs to tx.c / rx.c, and how it ends to complete.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static struct zc__job *zc__job_get(struct zc_engine *e)
{
	struct zc__job *job = e->job_free;

	if (job)
		e->job_free = (struct zc__job *)job->link.next;
	else if (!(job = zc__calloc(1, sizeof(*job))))
		return NULL;
	memset(job, 0, sizeof(*job));
	zc__list_init(&job->link);
	return job;
}

void zc__job_put(struct zc_engine *e, struct zc__job *job)
{
	if (job->pieces != &job->one)
		free(job->pieces);
	job->link.next = (struct zc__list *)e->job_free;
	e->job_free = job;
}

static int zc__job_check(struct zc_sock *s, const void *buf, size_t len,
			 zc_job_cb cb)
{
	int ret;

	if (!s)
		return -EINVAL;
	ret = zc__engine_check(s->e);
	if (ret < 0)
		return ret;
	if (!buf || !len || !cb || len > SSIZE_MAX)
		return -EINVAL;
	if (s->closing || s->aborted)
		return -EPIPE;
	if (s->e->max_jobs && s->e->pending >= s->e->max_jobs)
		return -EAGAIN;
	return 0;
}

static struct zc__job *zc__job_new(struct zc_sock *s, enum zc_op opcode,
				   const void *buf, size_t len, zc_job_cb cb,
				   void *user_data, uint64_t *id)
{
	struct zc_engine *e = s->e;
	struct zc__job *job = zc__job_get(e);

	if (!job)
		return NULL;
	job->sock = s;
	job->id = e->next_id++;
	job->op = opcode;
	job->state = ZC__JOB_QUEUED;
	job->buf = (char *)buf;
	job->len = len;
	job->cb = cb;
	job->user_data = user_data;
	e->pending++;
	ZC__STAT_ADD(s, jobs_queued, 1);
	if (id)
		*id = job->id;
	return job;
}

/* Whether @p lies inside its pool (or in no pool) of engine @e. */
static bool zc__piece_ok(struct zc_engine *e, const struct zc__piece *p)
{
	const char *base;

	if (!p->pool)
		return true;
	base = p->pool->base;
	return p->pool->e == e && p->base >= base && p->len <= p->pool->size &&
	       (size_t)(p->base - base) <= p->pool->size - p->len;
}

/* The write job of @n pieces (already checked), queued and kicked. */
static int zc__write_queue(struct zc_sock *s, struct zc__piece *pieces,
			   unsigned int n, size_t len, const void *buf,
			   const struct zc_write_opts *opts, zc_job_cb cb,
			   void *user_data, uint64_t *id)
{
	int tx = opts ? opts->tx_zcopy : ZC_TX_INHERIT;
	struct zc__knobs knobs = zc__knobs_resolve(&s->e->knobs, &s->knobs, tx);
	struct zc__job *job;

	if (opts && opts->deadline_ms)
		knobs.deadline_ms = opts->deadline_ms;
	if (knobs.deadline_ms && zc__timer_reserve(s->e) < 0)
		return -ENOMEM;
	job = zc__job_new(s, ZC_OP_WRITE, buf, len, cb, user_data, id);
	if (!job)
		return -ENOMEM;
	if (n == 1) {
		job->one = pieces[0];
		job->pieces = &job->one;
	} else {
		job->pieces = pieces; /* the job's now */
	}
	job->npieces = n;
	for (unsigned int i = 0; i < n; i++)
		if (job->pieces[i].pool)
			job->pieces[i].pool->users++;
	job->knobs = knobs;
	if (knobs.deadline_ms) {
		job->deadline = zc__now_ms() + (int64_t)knobs.deadline_ms;
		zc__timer_add(s->e, job);
	}
	zc__list_add_tail(&s->wq, &job->link);
	if (!s->tx_cur)
		s->tx_cur = job;
	zc__tx_kick(s);
	return 0;
}

/* What a write of @len bytes needs beyond zc__job_check(). */
static int zc__write_check(struct zc_sock *s, size_t len,
			   const struct zc_write_opts *opts)
{
	if (opts && (opts->flags || opts->tx_zcopy < ZC_TX_INHERIT ||
		     opts->tx_zcopy > ZC_TX_AUTO))
		return -EINVAL;
	if (s->dgram && len > s->e->be->io_max)
		return -EMSGSIZE; /* one send, and no backend carries it */
	return 0;
}

int zc_write(struct zc_sock *s, const void *buf, size_t len,
	     const struct zc_write_opts *opts, zc_job_cb cb, void *user_data,
	     uint64_t *id)
{
	struct zc__piece p = { (char *)buf, len, opts ? opts->pool : NULL };
	int ret = zc__job_check(s, buf, len, cb);

	if (ret == 0)
		ret = zc__write_check(s, len, opts);
	if (ret == 0 && !zc__piece_ok(s->e, &p))
		ret = -EINVAL;
	if (ret < 0)
		return ret;
	return zc__write_queue(s, &p, 1, len, buf, opts, cb, user_data, id);
}

int zc_writev(struct zc_sock *s, const struct zc_iovec *iov,
	      unsigned int iovcnt, const struct zc_write_opts *opts,
	      zc_job_cb cb, void *user_data, uint64_t *id)
{
	struct zc__piece one, *pieces = &one;
	unsigned int n = 0;
	size_t len = 0;
	int ret;

	if (!iov || !iovcnt || iovcnt > ZC_IOV_MAX || (opts && opts->pool))
		return -EINVAL;
	for (unsigned int i = 0; i < iovcnt; i++) {
		if ((iov[i].len && !iov[i].base) ||
		    iov[i].len > SSIZE_MAX - len)
			return -EINVAL;
		len += iov[i].len;
		n += iov[i].len != 0;
	}
	/* The job's checks, with a stand-in for the buffer: not NULL. */
	ret = zc__job_check(s, iov, len, cb);
	if (ret == 0)
		ret = zc__write_check(s, len, opts);
	if (ret < 0)
		return ret;
	if (n > 1 && !(pieces = zc__calloc(n, sizeof(*pieces))))
		return -ENOMEM;
	n = 0;
	for (unsigned int i = 0; i < iovcnt; i++) {
		if (!iov[i].len)
			continue;
		pieces[n] = (struct zc__piece){ (char *)iov[i].base, iov[i].len,
						iov[i].pool };
		if (!zc__piece_ok(s->e, &pieces[n++])) {
			if (pieces != &one)
				free(pieces);
			return -EINVAL;
		}
	}
	ret = zc__write_queue(s, pieces, n, len, NULL, opts, cb, user_data, id);
	if (ret < 0 && pieces != &one)
		free(pieces);
	return ret;
}

int zc_read(struct zc_sock *s, void *buf, size_t len, zc_job_cb cb,
	    void *user_data, uint64_t *id)
{
	struct zc__job *job;
	int ret = zc__job_check(s, buf, len, cb);

	if (ret < 0)
		return ret;
	job = zc__job_new(s, ZC_OP_READ, buf, len, cb, user_data, id);
	if (!job)
		return -ENOMEM;
	zc__list_add_tail(&s->rq, &job->link);
	zc__rx_kick(s);
	return 0;
}

static struct zc__job *zc__find(struct zc__list *q, uint64_t id)
{
	for (struct zc__list *it = q->next; it != q; it = it->next)
		if (zc__job_of(it)->id == id)
			return zc__job_of(it);
	return NULL;
}

int zc_cancel(struct zc_sock *s, uint64_t id)
{
	struct zc__job *job;
	int ret = s ? zc__engine_check(s->e) : -EINVAL;

	if (ret < 0)
		return ret;
	job = zc__find(&s->wq, id);
	if (!job)
		job = zc__find(&s->rq, id);
	if (!job || job->cancel)
		return -ENOENT;
	if (job->state == ZC__JOB_SENT)
		return -EALREADY; /* all with the kernel; completes on release */
	if (job->state == ZC__JOB_QUEUED) {
		/* Never started: it leaves the queue at once. */
		if (s->tx_cur == job)
			zc__tx_advance(s);
		job->error = -ECANCELED;
		zc__job_complete(job);
		zc__sock_kick(s);
		return 0;
	}
	job->cancel = true;
	/* A send carrying it may carry others: they go on in the next. */
	if (job->op == ZC_OP_WRITE && s->tx_op && zc__op_carries(s->tx_op, job))
		zc__cancel_op(s, s->tx_op);
	if (job->op == ZC_OP_READ && s->rx_op && s->rx_op->job == job)
		zc__cancel_op(s, s->rx_op);
	zc__sock_kick(s); /* between two sends (budget): end it now */
	return 0;
}
