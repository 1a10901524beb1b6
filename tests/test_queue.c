/* The event queue against a sorted reference on random workloads. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "rng.h"

typedef struct ref_event {
    double t;
    int kind;
    uint64_t order; /* insertion number */
    uint32_t arg;
} ref_event;

static int ref_cmp(const void *a, const void *b)
{
    const ref_event *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind - y->kind;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Interleaves pushes and pops; every popped event must be the least (t, kind, insertion) of those pending,
 * as a sorted array of the pending events says. Times are drawn from a few values so ties are common. */
static void random_workloads(void **state)
{
    (void)state;
    gsl_rng *r = rs_rng_alloc(2024, 0, 0);
    rs_error err;
    for (int round = 0; round < 200; round++) {
        rs_queue q;
        size_t cap = 1 + rs_rng_below(r, 300);
        assert_int_equal(rs_queue_init(&q, cap, &err), RS_OK);
        ref_event *pending = malloc(cap * sizeof *pending);
        size_t n = 0;
        uint64_t order = 0;
        for (int step = 0; step < 2000; step++) {
            int push = n == 0 || (n < cap && rs_rng_uniform(r) < 0.55);
            if (push) {
                double t = (double)rs_rng_below(r, 20) * 0.5;
                int kind = (int)rs_rng_below(r, 5);
                uint32_t arg = (uint32_t)step;
                assert_int_equal(rs_queue_push(&q, t, (rs_event_kind)kind, arg, &err), RS_OK);
                pending[n++] = (ref_event){t, kind, order++, arg};
            } else {
                qsort(pending, n, sizeof *pending, ref_cmp);
                rs_event ev;
                assert_int_equal(rs_queue_pop(&q, &ev), 1);
                assert_true(ev.t == pending[0].t);
                assert_int_equal(ev.kind, pending[0].kind);
                assert_int_equal(ev.arg, pending[0].arg);
                memmove(pending, pending + 1, (n - 1) * sizeof *pending);
                n--;
            }
            assert_int_equal(q.len, n);
        }
        rs_event ev;
        qsort(pending, n, sizeof *pending, ref_cmp);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(rs_queue_pop(&q, &ev), 1);
            assert_int_equal(ev.arg, pending[i].arg);
        }
        assert_int_equal(rs_queue_pop(&q, &ev), 0);
        free(pending);
        rs_queue_free(&q);
    }
    gsl_rng_free(r);
}

static void full_queue_grows(void **state)
{
    (void)state;
    /* Pushing past the initial capacity doubles the storage and keeps the order. */
    rs_queue q;
    rs_error err;
    assert_int_equal(rs_queue_init(&q, 2, &err), RS_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rs_queue_push(&q, 5.0 - i, RS_EV_SAMPLE, (uint32_t)i, &err), RS_OK);
    assert_true(q.cap >= 5);
    rs_event ev;
    for (int i = 4; i >= 0; i--) {
        assert_int_equal(rs_queue_pop(&q, &ev), 1);
        assert_int_equal(ev.arg, i);
    }
    rs_queue_free(&q);
    rs_queue_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_workloads),
        cmocka_unit_test(full_queue_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
