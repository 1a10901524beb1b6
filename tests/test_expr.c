/* The expression evaluator of --objective / --constraint: known answers (worked by hand), every message exactly,
 * the caps, and random text that must give RS_OK or RS_ERR_INPUT, never a crash. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "rng.h"

static const char *const names[] = {"excess_harm.mean", "time_to_full.mean", "p_escape.hi", "harm.p95", "harm.mean"};
#define N_NAMES (sizeof names / sizeof names[0])

/* Parses text (which must be valid) and evaluates it with values. */
static double eval_text(const char *text, const double *values)
{
    rs_expr *e = NULL;
    rs_error err = {0};
    rs_status st = rs_expr_parse(text, "--objective", names, N_NAMES, &e, &err);
    if (st != RS_OK)
        fail_msg("'%s' did not parse: %s", text, err.msg);
    double x = rs_expr_eval(e, values);
    rs_expr_free(e);
    return x;
}

#define assert_eval(text, expected) assert_near(eval_text((text), NULL), (expected), 1e-12)

/* Parses text (which must be invalid) and checks the status and the whole message. */
static void check_error(const char *what, const char *text, const char *expected)
{
    rs_expr *e = (rs_expr *)&e; /* not NULL: a failed parse must set *out to NULL */
    rs_error err = {0};
    rs_status st = rs_expr_parse(text, what, names, N_NAMES, &e, &err);
    if (st != RS_ERR_INPUT)
        fail_msg("'%s' gave status %d, expected RS_ERR_INPUT", text, (int)st);
    assert_null(e);
    assert_string_equal(err.msg, expected);
}

static void precedence_and_associativity(void **state)
{
    (void)state;
    assert_eval("2^3^2", 512);   /* right-associative: 2^(3^2) */
    assert_eval("-2^2", -4);     /* the sign binds looser than ^, as in maths */
    assert_eval("1-2-3", -4);    /* left-associative */
    assert_eval("8/4/2", 1);     /* left-associative */
    assert_eval("2+3*4", 14);
    assert_eval("(2+3)*4", 20);
    assert_eval("2^3*2", 16);
    assert_eval("2*3^2", 18);
    assert_eval("2^-1", 0.5);
    assert_eval("-2^-2", -0.25);
    assert_eval("2*-3", -6);
    assert_eval("1 - -1", 2);
    assert_eval("+-+3", -3);
    assert_eval("-(-3)", 3);
    assert_eval("1e-3", 0.001);
    assert_eval(".5", 0.5);
    assert_eval("1.", 1);
    assert_eval("2.5E+2", 250);
    assert_eval("007", 7);
    assert_eval(" \t1 +\n2\r ", 3);
    assert_eval("((((1))))", 1);
}

static void functions(void **state)
{
    (void)state;
    assert_eval("min(3, 1, 2)", 1);
    assert_eval("max(3, 1, 2)", 3);
    assert_eval("min(5)", 5);
    assert_eval("max(-1,-2)", -1);
    assert_eval("abs(-2.5)", 2.5);
    assert_eval("sqrt(16)", 4);
    assert_eval("log(exp(2))", 2);
    assert_eval("exp(0)", 1);
    assert_eval("log(1)", 0);
    assert_eval("max(min(1, 2), abs(-3)) ^ 2", 9);
    assert_eval("sqrt (4)", 2); /* whitespace between a function and its '(' */
}

static void names_and_uses(void **state)
{
    (void)state;
    /* excess_harm.mean, time_to_full.mean, p_escape.hi, harm.p95, harm.mean */
    const double v[N_NAMES] = {10, 2, 0.03, 250, 7};
    assert_near(eval_text("excess_harm.mean + 5 * time_to_full.mean", v), 20, 1e-12);
    assert_near(eval_text("max(harm.p95, 100) / 1000", v), 0.25, 1e-12);
    assert_near(eval_text("harm.mean*harm.mean - harm.p95", v), -201, 1e-12);

    rs_expr *e = NULL;
    rs_error err;
    assert_int_equal(rs_expr_parse("harm.mean + p_escape.hi * harm.mean - excess_harm.mean", "--objective", names,
                                   N_NAMES, &e, &err), RS_OK);
    size_t idx[N_NAMES];
    assert_int_equal(rs_expr_uses(e, idx, N_NAMES), 3); /* each once, in order of first use */
    assert_int_equal(idx[0], 4);
    assert_int_equal(idx[1], 2);
    assert_int_equal(idx[2], 0);
    assert_int_equal(rs_expr_uses(e, idx, 2), 2);
    assert_int_equal(rs_expr_is_comparison(e), 0);
    rs_expr_free(e);

    assert_int_equal(rs_expr_parse("1 + 2", "--objective", names, N_NAMES, &e, &err), RS_OK);
    assert_int_equal(rs_expr_uses(e, idx, N_NAMES), 0);
    assert_near(rs_expr_eval(e, NULL), 3, 0); /* no name used: values may be NULL */
    rs_expr_free(e);

    rs_expr_free(NULL);
    assert_true(isnan(rs_expr_eval(NULL, v)));
    assert_int_equal(rs_expr_is_comparison(NULL), 0);
    assert_int_equal(rs_expr_holds(NULL, v), 0);
    assert_int_equal(rs_expr_uses(NULL, idx, N_NAMES), 0);
}

/* Parses a constraint, checks g for values and whether it holds. */
static void check_constraint(const char *text, const double *v, double g, int holds)
{
    rs_expr *e = NULL;
    rs_error err;
    if (rs_expr_parse(text, "--constraint", names, N_NAMES, &e, &err) != RS_OK)
        fail_msg("'%s' did not parse: %s", text, err.msg);
    assert_int_equal(rs_expr_is_comparison(e), 1);
    if (isnan(g))
        assert_true(isnan(rs_expr_eval(e, v)));
    else
        assert_near(rs_expr_eval(e, v), g, 1e-12);
    if (rs_expr_holds(e, v) != holds)
        fail_msg("'%s' holds = %d, expected %d", text, rs_expr_holds(e, v), holds);
    rs_expr_free(e);
}

static void comparisons(void **state)
{
    (void)state;
    double v[N_NAMES] = {10, 2, 0.03, 250, 7};
    check_constraint("p_escape.hi <= 0.05", v, 0.03 - 0.05, 1); /* g = lhs - rhs */
    check_constraint("p_escape.hi < 0.05", v, 0.03 - 0.05, 1);
    check_constraint("p_escape.hi >= 0.05", v, 0.05 - 0.03, 0); /* g = rhs - lhs */
    check_constraint("p_escape.hi > 0.05", v, 0.05 - 0.03, 0);
    check_constraint("harm.mean + 1 >= 2 * 4", v, 0, 1); /* 8 >= 8: holds, g = 0 */
    check_constraint("harm.mean + 1 > 2 * 4", v, 0, 0);  /* strict: g = 0 does not hold */
    check_constraint("8 <= harm.mean + 1", v, 0, 1);
    check_constraint("8 < harm.mean + 1", v, 0, 0);
    check_constraint("-1<-2", v, 1, 0);
    v[2] = NAN; /* an estimate that could not be computed never satisfies a constraint */
    check_constraint("p_escape.hi <= 0.05", v, NAN, 0);
    check_constraint("p_escape.hi >= 0.05", v, NAN, 0);
    check_constraint("0 <= min(p_escape.hi, 1)", v, NAN, 0);

    /* Without a comparison, the value is read as the g of "value <= 0". */
    rs_expr *e = NULL;
    rs_error err;
    assert_int_equal(rs_expr_parse("harm.mean - 8", "--constraint", names, N_NAMES, &e, &err), RS_OK);
    assert_int_equal(rs_expr_holds(e, v), 1);
    v[4] = 9;
    assert_int_equal(rs_expr_holds(e, v), 0);
    rs_expr_free(e);
}

static void ieee_and_nan(void **state)
{
    (void)state;
    assert_true(isinf(eval_text("1/0", NULL)) && eval_text("1/0", NULL) > 0);
    assert_true(isinf(eval_text("-1/0", NULL)) && eval_text("-1/0", NULL) < 0);
    assert_true(isnan(eval_text("0/0", NULL)));
    assert_true(isnan(eval_text("sqrt(-1)", NULL)));
    assert_true(isnan(eval_text("log(-1)", NULL)));
    assert_true(isinf(eval_text("log(0)", NULL)));
    assert_true(isinf(eval_text("exp(1000)", NULL)));
    assert_eval("1e-400", 0); /* underflow is not an error */
    const double v[N_NAMES] = {NAN, 1, 1, 1, 1};
    assert_true(isnan(eval_text("excess_harm.mean * 0", v)));
    assert_true(isnan(eval_text("min(excess_harm.mean, 1)", v))); /* C's fmin would give 1 */
    assert_true(isnan(eval_text("max(1, excess_harm.mean)", v)));
    assert_true(isnan(eval_text("excess_harm.mean ^ 0", v))); /* C's pow gives 1 */
    assert_true(isnan(eval_text("1 ^ excess_harm.mean", v)));
    assert_true(isnan(eval_text("abs(excess_harm.mean)", v)));
}

static void messages(void **state)
{
    (void)state;
    check_error("--objective", "excess_harm.mean + * 5",
                "--objective 'excess_harm.mean + * 5': at position 20: expected a number, a name or '(' (got '*')");
    check_error("--objective", "exess_harm.mean",
                "--objective 'exess_harm.mean': at position 1: unknown estimate 'exess_harm.mean' "
                "(did you mean 'excess_harm.mean'?)");
    check_error("--objective", "1 + zzz", "--objective '1 + zzz': at position 5: unknown estimate 'zzz'");
    check_error("--objective", "mx(1, 2)",
                "--objective 'mx(1, 2)': at position 1: unknown function 'mx' (did you mean 'max'?)");
    check_error("--objective", "2 * frob(1)", "--objective '2 * frob(1)': at position 5: unknown function 'frob'");
    check_error("--objective", "harm.mean(2)",
                "--objective 'harm.mean(2)': at position 1: 'harm.mean' is an estimate, not a function");
    check_error("--objective", "max + 1",
                "--objective 'max + 1': at position 1: function 'max' needs its arguments in brackets, as in max(x)");
    check_error("--objective", "1 + abs(1, 2)",
                "--objective '1 + abs(1, 2)': at position 5: abs takes 1 argument (got 2)");
    check_error("--objective", "min()", "--objective 'min()': at position 5: expected a number, a name or '(' "
                                        "(got ')')");
    check_error("--objective", "min(1 2)", "--objective 'min(1 2)': at position 7: expected ',' or ')' (got '2')");
    check_error("--constraint", "harm.mean <= 1 <= 2",
                "--constraint 'harm.mean <= 1 <= 2': at position 16: only one comparison is allowed in an expression");
    check_error("--constraint", "(harm.mean <= 1)",
                "--constraint '(harm.mean <= 1)': at position 12: a comparison is allowed only at the top level, "
                "not inside brackets");
    check_error("--constraint", "max(harm.mean > 1, 2)",
                "--constraint 'max(harm.mean > 1, 2)': at position 15: a comparison is allowed only at the top "
                "level, not inside brackets");
    check_error("--constraint", "harm.mean <=",
                "--constraint 'harm.mean <=': at position 13: expected a number, a name or '(' (got end of text)");
    check_error("--objective", "harm.mean 3",
                "--objective 'harm.mean 3': at position 11: unexpected '3' after a complete expression");
    check_error("--objective", "1 # 2",
                "--objective '1 # 2': at position 3: unexpected '#' after a complete expression");
    check_error("--objective", "1 = 2",
                "--objective '1 = 2': at position 3: unexpected '=' after a complete expression");
    check_error("--objective", "1 + 2)", "--objective '1 + 2)': at position 6: ')' without a matching '('");
    check_error("--objective", "(1 + 2", "--objective '(1 + 2': at position 7: expected ')' (got end of text)");
    check_error("--objective", "1 +\x01", "--objective '1 +\x01': at position 4: expected a number, a name or '(' "
                                          "(got byte 0x01)");
    /* positions count characters, not bytes: "é" is two bytes of UTF-8 */
    check_error("--objective", "\xc3\xa9 + 1", "--objective '\xc3\xa9 + 1': at position 1: expected a number, a name "
                                               "or '(' (got '\xc3\xa9')");
    check_error("--objective", "1 + \xc3\xa9", "--objective '1 + \xc3\xa9': at position 5: expected a number, a name "
                                               "or '(' (got '\xc3\xa9')");
    check_error("--objective", "(\xc3\xa9\xc3\xa9 1", "--objective '(\xc3\xa9\xc3\xa9 1': at position 2: expected a "
                                                      "number, a name or '(' (got '\xc3\xa9')");
    check_error("--objective", "2e", "--objective '2e': at position 1: malformed number '2e' (an exponent needs "
                                     "digits, as in 1e-3)");
    check_error("--objective", "1 + 3e+x", "--objective '1 + 3e+x': at position 5: malformed number '3e+' (an "
                                           "exponent needs digits, as in 1e-3)");
    check_error("--objective", "1e999", "--objective '1e999': at position 1: number '1e999' is out of range");
    check_error("--objective", "0x10", "--objective '0x10': at position 2: unexpected 'x10' after a complete "
                                       "expression");
    check_error("--objective", "harm.", "--objective 'harm.': at position 1: unknown estimate 'harm'");
    check_error("--objective", "", "--objective '': empty expression");
    check_error("--objective", " \t ", "--objective ' \t ': empty expression");
    check_error("--objective", NULL, "--objective '': empty expression");
}

/* A string of n copies of unit followed by tail; caller frees. */
static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t lh = strlen(head), lu = strlen(unit), lt = strlen(tail);
    char *s = malloc(lh + lu * n + lt + 1);
    assert_non_null(s);
    memcpy(s, head, lh);
    for (size_t i = 0; i < n; i++)
        memcpy(s + lh + i * lu, unit, lu);
    memcpy(s + lh + lu * n, tail, lt + 1);
    return s;
}

/* The message for text at 1-based position pos: long text is shown as its first 77 bytes and "...". */
static void check_long_error(const char *text, size_t pos, const char *what)
{
    char expected[512];
    snprintf(expected, sizeof expected, "--objective '%.77s...': at position %zu: %s", text, pos, what);
    check_error("--objective", text, expected);
}

static void caps(void **state)
{
    (void)state;
    /* 64 levels of brackets are fine; the 65th '(' is refused before it is descended into. */
    char *s = repeat("", "(", 64, "1");
    char *ok = repeat(s, ")", 64, "");
    assert_eval(ok, 1);
    free(s);
    free(ok);
    s = repeat("", "(", 65, "1");
    char *deep = repeat(s, ")", 65, "");
    check_long_error(deep, 65, "nested too deeply (at most 64 levels)");
    free(s);
    free(deep);
    /* A million '(' is refused on length, before any parsing (no deep recursion). */
    s = repeat("", "(", 1000000, "");
    check_error("--objective", s, "--objective: expression too long (more than 4096 characters)");
    free(s);
    /* Unary signs, '^' chains and function calls nest too. */
    s = repeat("", "-", 64, "1");
    assert_eval(s, 1); /* an even number of minus signs */
    free(s);
    s = repeat("", "- ", 65, "1");
    check_long_error(s, 129, "nested too deeply (at most 64 levels)");
    free(s);
    s = repeat("1", "^1", 64, "");
    assert_eval(s, 1);
    free(s);
    s = repeat("1", "^1", 65, "");
    check_long_error(s, 130, "nested too deeply (at most 64 levels)"); /* the 65th '^' */
    free(s);
    /* The deepest evaluation stack the caps allow: at each level a sum's, a product's and a max's value wait.
     * x0 = 1, x(k) = 1 + 1 * max(1, x(k-1)): x64 = 65; the constraint 0 <= x64 has g = -65. */
    s = repeat("0 <= ", "1+1*max(1, ", 64, "1");
    char *wide = repeat(s, ")", 64, "");
    rs_expr *e = NULL;
    rs_error err;
    assert_int_equal(rs_expr_parse(wide, "--constraint", names, N_NAMES, &e, &err), RS_OK);
    assert_near(rs_expr_eval(e, NULL), -65, 0);
    assert_int_equal(rs_expr_holds(e, NULL), 1);
    rs_expr_free(e);
    free(s);
    free(wide);
    /* Operation count: 1+1+...+1 compiles to 1 1 + 1 + ...; the 1025th operation is the '+' at position 1024. */
    s = repeat("1", "+1", 511, "");
    assert_eval(s, 512); /* 1023 operations */
    free(s);
    s = repeat("1", "+1", 600, "");
    check_long_error(s, 1024, "expression too large (more than 1024 operations)");
    free(s);
    /* Long input: exactly 4096 characters is allowed, 4097 is not. */
    s = repeat("harm.mean + 1", " ", 4096 - 13, "");
    assert_int_equal(strlen(s), 4096);
    const double v[N_NAMES] = {0, 0, 0, 0, 41};
    assert_near(eval_text(s, v), 42, 0);
    free(s);
    s = repeat("harm.mean + 1", " ", 4097 - 13, "");
    check_error("--objective", s, "--objective: expression too long (more than 4096 characters)");
    free(s);
    /* A long unknown name is quoted in full (up to 200 characters), without a suggestion. */
    s = repeat("", "x", 300, "");
    char expected[1024];
    snprintf(expected, sizeof expected, "--objective '%.77s...': at position 1: unknown estimate '%.200s'", s, s);
    check_error("--objective", s, expected);
    free(s);
    /* A long number */
    s = repeat("", "0", 3000, "1");
    assert_eval(s, 1);
    free(s);
}

/* Random text must parse to RS_OK or RS_ERR_INPUT with a message; what parses must evaluate. Three kinds of
 * input: random bytes, a soup of the grammar's tokens (which reaches deep into the parser), and valid
 * expressions with one byte changed. */
static void fuzz(void **state)
{
    (void)state;
    static const char *const soup[] = {
        "harm.mean", "p_escape.hi", "min(", "max(", "abs(", "sqrt(", "log", "exp(", "(", "(", ")", ")", ",", "1",
        "2.5", "1e-3", ".5", "e", ".", "+", "-", "*", "/", "^", "<=", ">=", "<", ">", " ", "x", "#", "9e", "é",
    };
    static const char *const valid[] = {
        "excess_harm.mean + 5 * time_to_full.mean", "p_escape.hi <= 0.05", "max(harm.p95, 100) / 1000",
        "-2^3^-1 + min(1, abs(-harm.mean), sqrt(4)) >= log(exp(1e-3))",
    };
    gsl_rng *r = rs_rng_alloc(7, 0, 0);
    const double v[N_NAMES] = {1, 2, 0.5, -3, 4};
    char text[256];
    int n_ok = 0;
    for (int it = 0; it < 6000; it++) {
        size_t len = 0;
        if (it % 3 == 0) {
            size_t n = rs_rng_below(r, 80);
            for (; len < n; len++)
                text[len] = (char)(1 + rs_rng_below(r, 255)); /* any byte but NUL */
        } else if (it % 3 == 1) {
            size_t n = rs_rng_below(r, 25);
            for (size_t k = 0; k < n; k++) {
                const char *tok = soup[rs_rng_below(r, sizeof soup / sizeof soup[0])];
                size_t lt = strlen(tok);
                if (len + lt >= sizeof text)
                    break;
                memcpy(text + len, tok, lt);
                len += lt;
            }
        } else {
            const char *src = valid[rs_rng_below(r, sizeof valid / sizeof valid[0])];
            len = strlen(src);
            memcpy(text, src, len);
            static const char alphabet[] = " 0123456789.e+-*/^()<>,";
            size_t at = rs_rng_below(r, len);
            text[at] = it % 2 ? (char)(1 + rs_rng_below(r, 255)) : alphabet[rs_rng_below(r, sizeof alphabet - 1)];
        }
        text[len] = '\0';
        rs_expr *e = NULL;
        rs_error err = {0};
        rs_status st = rs_expr_parse(text, "--fuzz", names, N_NAMES, &e, &err);
        if (st == RS_OK) {
            n_ok++;
            assert_non_null(e);
            size_t idx[N_NAMES];
            size_t n = rs_expr_uses(e, idx, N_NAMES);
            for (size_t k = 0; k < n; k++)
                assert_true(idx[k] < N_NAMES);
            double x = rs_expr_eval(e, v);
            if (isnan(x))
                assert_int_equal(rs_expr_holds(e, v), 0);
            rs_expr_free(e);
        } else {
            if (st != RS_ERR_INPUT)
                fail_msg("'%s' gave status %d", text, (int)st);
            assert_null(e);
            assert_true(strncmp(err.msg, "--fuzz", 6) == 0);
        }
    }
    gsl_rng_free(r);
    assert_true(n_ok > 150); /* the soup and the mutations do reach valid expressions (232 of them, seed 7) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(precedence_and_associativity),
        cmocka_unit_test(functions),
        cmocka_unit_test(names_and_uses),
        cmocka_unit_test(comparisons),
        cmocka_unit_test(ieee_and_nan),
        cmocka_unit_test(messages),
        cmocka_unit_test(caps),
        cmocka_unit_test(fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
