/* No allocation per event (SPEC §9, issue 2): the core's calls to malloc, calloc and realloc are counted
 * through the linker's --wrap, and a replication of a reused simulation — tens of thousands of request
 * events, decisions and samples — must make none. (The first replication may grow the event log once.) */
#include "simtest.h"

#include <stdlib.h>

static size_t n_alloc;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n)
{
    n_alloc++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
    n_alloc++;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
    n_alloc++;
    return __real_realloc(p, n);
}

static const char scenario[] =
    "return { name = 'alloc', seed = 3, horizon = 72, sample_every = 0.25,\n"
    "  population = { { name = 'a', users = 1000, rate = 1 }, { name = 'b', users = 300, rate = 2 } },\n"
    "  versions = { { name = 'base', baseline = true, error_rate = 0.01 }, { name = 'cand', error_rate = 0.01 } },\n"
    "  policy = { name = 'fixed_stages', gate = 'none', steps = { 0.01, 0.05, 0.25, 0.5, 1 }, bake = 12,\n"
    "             check_every = 1 } }\n";

static void no_allocation_per_event(void **state)
{
    (void)state;
    simtest t;
    simtest_open(&t, scenario, NULL, 0);
    rs_rep_result res;
    simtest_run(&t, 0, &res);
    n_alloc = 0;
    simtest_run(&t, 1, &res);
    print_message("replication 1: %llu requests, %zu allocations by the core\n", (unsigned long long)res.requests,
                  n_alloc);
    assert_true(res.requests > 100000);
    assert_int_equal(n_alloc, 0);
    /* the counter does see the core's allocations */
    rs_sim_free(t.sim);
    rs_error err;
    assert_int_equal(rs_sim_alloc(&t.sc, t.plugin.type, &t.params, &t.sim, &err), RS_OK);
    assert_true(n_alloc > 10);
    simtest_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(no_allocation_per_event)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
