// SPDX-License-Identifier: MIT
/*
 * many - 32 sockets at once, each with two reads and four writes queued,
 * waited for together with aio_suspend(); every stream intact.
 */
#include "aiot.h"

#define NS 32
#define NW 4
#define WL 65536
#define ROUNDS 4

struct stream {
	int a, b;
	struct aiocb w[NW], r[2];
	uint8_t wb[NW][WL], rb[2][WL];
	uint64_t woff, roff;
	int rturn, wdone, wact[NW];
};

int main(void)
{
	static struct stream s[NS];
	const struct aiocb *list[NS * (NW + 2)];
	int i, j, live = NS;

	t_layer(60);
	for (i = 0; i < NS; i++) {
		t_pair(&s[i].a, &s[i].b);
		for (j = 0; j < 2; j++) {
			t_setup(&s[i].r[j], s[i].b, s[i].rb[j], WL);
			T_ASSERT(!aio_read(&s[i].r[j]));
		}
		for (j = 0; j < NW; j++) {
			t_fill(s[i].wb[j], WL, s[i].woff, (unsigned)i);
			t_setup(&s[i].w[j], s[i].a, s[i].wb[j], WL);
			T_ASSERT(!aio_write(&s[i].w[j]));
			s[i].wact[j] = 1;
			s[i].woff += WL;
		}
	}
	while (live) {
		int n = 0;

		for (i = 0; i < NS; i++) {
			for (j = 0; j < NW; j++)
				list[n++] = s[i].wact[j] ? &s[i].w[j] : NULL;
			for (j = 0; j < 2; j++)
				list[n++] = s[i].b >= 0 ? &s[i].r[j] : NULL;
		}
		T_ASSERT(!aio_suspend(list, n, NULL) || errno == EINTR);
		for (i = 0; i < NS; i++) {
			struct stream *t = &s[i];

			for (j = 0; j < NW; j++) {
				if (!t->wact[j] ||
				    aio_error(&t->w[j]) == EINPROGRESS)
					continue;
				T_ASSERT(aio_return(&t->w[j]) == WL);
				t->wact[j] = 0;
				if (++t->wdone == NW * ROUNDS)
					T_ASSERT(!shutdown(t->a, SHUT_WR));
				if (t->woff >= (uint64_t)WL * NW * ROUNDS)
					continue;
				t_fill(t->wb[j], WL, t->woff, (unsigned)i);
				T_ASSERT(!aio_write(&t->w[j]));
				t->wact[j] = 1;
				t->woff += WL;
			}
			while (t->b >= 0 &&
			       aio_error(&t->r[t->rturn]) != EINPROGRESS) {
				struct aiocb *cb = &t->r[t->rturn];
				ssize_t got = aio_return(cb);

				T_ASSERT(got >= 0);
				if (!got) {
					T_ASSERT(t->roff ==
						 (uint64_t)WL * NW * ROUNDS);
					T_ASSERT(t_wait(&t->r[!t->rturn],
							5000) == 0);
					T_ASSERT(!aio_return(&t->r[!t->rturn]));
					close(t->b);
					t->b = -1;
					live--;
					break;
				}
				t_check(t->rb[t->rturn], (size_t)got, t->roff,
					(unsigned)i);
				t->roff += (uint64_t)got;
				T_ASSERT(!aio_read(cb));
				t->rturn ^= 1;
			}
		}
	}
	for (i = 0; i < NS; i++)
		close(s[i].a);
	printf("ok: %d sockets, %d bytes each\n", NS, WL * NW * ROUNDS);
	return 0;
}
