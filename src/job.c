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

int zc_write(struct zc_sock *s, const void *buf, size_t len,
	     const struct zc_write_opts *opts, zc_job_cb cb, void *user_data,
	     uint64_t *id)
{
	int tx = ZC_TX_INHERIT;
	struct zc_pool *pool = NULL;
	struct zc__job *job;
	int ret = zc__job_check(s, buf, len, cb);

	if (ret < 0)
		return ret;
	if (s->dgram && len > s->e->be->io_max)
		return -EMSGSIZE; /* one send, and no backend carries it */
	if (opts) {
		if (opts->flags || opts->tx_zcopy < ZC_TX_INHERIT ||
		    opts->tx_zcopy > ZC_TX_AUTO)
			return -EINVAL;
		tx = opts->tx_zcopy;
		pool = opts->pool;
		if (pool && (pool->e != s->e ||
			     (const char *)buf < (char *)pool->base ||
			     len > pool->size ||
			     (size_t)((const char *)buf - (char *)pool->base) >
				     pool->size - len))
			return -EINVAL;
	}
	job = zc__job_new(s, ZC_OP_WRITE, buf, len, cb, user_data, id);
	if (!job)
		return -ENOMEM;
	job->pool = pool;
	if (pool)
		pool->users++;
	job->knobs = zc__knobs_resolve(&s->e->knobs, &s->knobs, tx);
	if (opts && opts->deadline_ms)
		job->knobs.deadline_ms = opts->deadline_ms;
	if (job->knobs.deadline_ms) {
		job->deadline = zc__now_ms() + (int64_t)job->knobs.deadline_ms;
		if (job->deadline < s->e->deadline_next)
			s->e->deadline_next = job->deadline;
	}
	zc__list_add_tail(&s->wq, &job->link);
	if (!s->tx_cur)
		s->tx_cur = job;
	zc__tx_kick(s);
	return 0;
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
		zc__job_finish(job);
		zc__sock_kick(s);
		return 0;
	}
	job->cancel = true;
	if (job->op == ZC_OP_WRITE && s->tx_op && s->tx_op->job == job)
		zc__cancel_op(s, s->tx_op);
	if (job->op == ZC_OP_READ && s->rx_op && s->rx_op->job == job)
		zc__cancel_op(s, s->rx_op);
	zc__sock_kick(s); /* between two sends (budget): end it now */
	return 0;
}
