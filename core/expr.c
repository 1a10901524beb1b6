#include "expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

/* Each level of nesting leaves at most three values pending on the evaluation stack (a sum's left operand, a
 * product's, and a power's base or a min/max running value), plus the comparison's left side and the result, so
 * this bounds the stack; the parser checks it all the same, so evaluation never needs to. */
#define RS_EXPR_MAX_STACK (3 * (RS_EXPR_MAX_DEPTH + 1) + 2)
#define RS_EXPR_SHOWN 80 /* longer text is shortened in messages, so the explanation after it is never cut off */

typedef enum rs_expr_op {
    OP_NUM, /* push num */
    OP_VAR, /* push values[idx] */
    OP_NEG,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_POW,
    OP_MIN, /* binary: min(a, b, c) is compiled as min(min(a, b), c) so the stack stays shallow */
    OP_MAX,
    OP_ABS,
    OP_SQRT,
    OP_LOG,
    OP_EXP,
    OP_G_LE, /* the top-level comparison: g = lhs - rhs ('<=', '<') */
    OP_G_GE  /* g = rhs - lhs ('>=', '>') */
} rs_expr_op;

typedef struct rs_expr_node {
    rs_expr_op op;
    size_t idx; /* OP_VAR */
    double num; /* OP_NUM */
} rs_expr_node;

typedef enum rs_expr_cmp { CMP_NONE, CMP_LE, CMP_LT, CMP_GE, CMP_GT } rs_expr_cmp;

struct rs_expr {
    rs_expr_node *nodes; /* owned */
    size_t n_nodes;
    rs_expr_cmp cmp;
    size_t *uses; /* owned; distinct name indices in order of first use */
    size_t n_uses;
};

/* Functions: name, number of arguments (0: one or more), and the operation applied. */
static const struct {
    const char *name;
    int arity;
    rs_expr_op op;
} rs_expr_funcs[] = {
    {"min", 0, OP_MIN}, {"max", 0, OP_MAX}, {"abs", 1, OP_ABS},
    {"sqrt", 1, OP_SQRT}, {"log", 1, OP_LOG}, {"exp", 1, OP_EXP},
};
#define RS_EXPR_N_FUNCS (sizeof rs_expr_funcs / sizeof rs_expr_funcs[0])
static const char *const rs_expr_func_names[RS_EXPR_N_FUNCS] = {"min", "max", "abs", "sqrt", "log", "exp"};

typedef enum tok_kind {
    TOK_END,
    TOK_NUM,
    TOK_NAME,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COMMA,
    TOK_OP,  /* + - * / ^ */
    TOK_CMP, /* <= < >= > */
    TOK_BAD  /* any other character */
} tok_kind;

typedef struct token {
    tok_kind kind;
    size_t start, len; /* bytes of text */
    char op;           /* TOK_OP: + - * / ^ */
    rs_expr_cmp cmp;   /* TOK_CMP */
} token;

typedef struct parser {
    const char *text;
    size_t len;
    const char *what;
    const char *const *names;
    size_t n_names;
    token tok; /* the current, not yet consumed, token */
    int depth;
    rs_expr_node *nodes; /* RS_EXPR_MAX_NODES of them */
    size_t n_nodes;
    size_t sp, max_sp; /* evaluation stack height after the nodes so far, and its maximum */
    rs_error *err;
} parser;

static int is_name_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* 1-based character position of byte offset off: UTF-8 continuation bytes do not start a character. */
static size_t char_pos(const parser *p, size_t off)
{
    size_t n = 1;
    for (size_t i = 0; i < off && i < p->len; i++)
        n += ((unsigned char)p->text[i] & 0xC0) != 0x80;
    return n;
}

/* Records "what 'text': at position N: message" (text shortened when long). Returns RS_ERR_INPUT. */
static rs_status fail_at(parser *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static rs_status fail_at(parser *p, size_t off, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t shown = p->len;
    const char *ellipsis = "";
    if (shown > RS_EXPR_SHOWN) {
        shown = RS_EXPR_SHOWN - 3;
        while (shown > 0 && ((unsigned char)p->text[shown] & 0xC0) == 0x80) /* do not split a UTF-8 character */
            shown--;
        ellipsis = "...";
    }
    return RS_SET(p->err, RS_ERR_INPUT, "%s '%.*s%s': at position %zu: %s", p->what, (int)shown, p->text, ellipsis,
                  char_pos(p, off), msg);
}

/* Describes the current token for "(got ...)": its text quoted (long ones shortened), or "end of text". */
static const char *tok_desc(const parser *p, char *buf, size_t cap)
{
    const token *t = &p->tok;
    unsigned char c = (unsigned char)p->text[t->start];
    if (t->kind == TOK_END)
        snprintf(buf, cap, "end of text");
    else if (t->kind == TOK_BAD && (c < 0x20 || c == 0x7F))
        snprintf(buf, cap, "byte 0x%02X", c);
    else if (t->len > 40)
        snprintf(buf, cap, "'%.37s...'", p->text + t->start);
    else
        snprintf(buf, cap, "'%.*s'", (int)t->len, p->text + t->start);
    return buf;
}

/* Scans the token at byte offset off into p->tok. Returns RS_OK or RS_ERR_INPUT for a malformed number. */
static rs_status lex_at(parser *p, size_t off)
{
    const char *s = p->text;
    while (off < p->len && (s[off] == ' ' || s[off] == '\t' || s[off] == '\n' || s[off] == '\r'))
        off++;
    token t = {.kind = TOK_END, .start = off, .len = 0};
    if (off >= p->len) {
        p->tok = t;
        return RS_OK;
    }
    unsigned char c = (unsigned char)s[off];
    size_t i = off;
    if (is_digit(c) || (c == '.' && i + 1 < p->len && is_digit((unsigned char)s[i + 1]))) {
        t.kind = TOK_NUM;
        while (i < p->len && is_digit((unsigned char)s[i]))
            i++;
        if (i < p->len && s[i] == '.')
            for (i++; i < p->len && is_digit((unsigned char)s[i]); i++)
                ;
        if (i < p->len && (s[i] == 'e' || s[i] == 'E')) { /* an exponent must have digits: "2e" is an error */
            size_t j = i + 1;
            if (j < p->len && (s[j] == '+' || s[j] == '-'))
                j++;
            if (j >= p->len || !is_digit((unsigned char)s[j])) {
                p->tok = t;
                return fail_at(p, off, "malformed number '%.*s' (an exponent needs digits, as in 1e-3)",
                               (int)(j - off < 40 ? j - off : 40), s + off);
            }
            for (i = j; i < p->len && is_digit((unsigned char)s[i]); i++)
                ;
        }
    } else if (is_name_start(c)) {
        t.kind = TOK_NAME;
        for (i++; i < p->len; i++) {
            if (is_name_char((unsigned char)s[i]))
                continue;
            if (s[i] == '.' && i + 1 < p->len && is_name_char((unsigned char)s[i + 1]))
                continue; /* a ".part" of a dotted name */
            break;
        }
    } else {
        i++;
        switch (c) {
        case '(': t.kind = TOK_LPAREN; break;
        case ')': t.kind = TOK_RPAREN; break;
        case ',': t.kind = TOK_COMMA; break;
        case '+': case '-': case '*': case '/': case '^':
            t.kind = TOK_OP;
            t.op = (char)c;
            break;
        case '<': case '>':
            t.kind = TOK_CMP;
            if (i < p->len && s[i] == '=') {
                i++;
                t.cmp = c == '<' ? CMP_LE : CMP_GE;
            } else {
                t.cmp = c == '<' ? CMP_LT : CMP_GT;
            }
            break;
        default:
            t.kind = TOK_BAD;
            while (i < p->len && ((unsigned char)s[i] & 0xC0) == 0x80) /* the whole UTF-8 character */
                i++;
            break;
        }
    }
    t.len = i - off;
    p->tok = t;
    return RS_OK;
}

static rs_status advance(parser *p)
{
    return lex_at(p, p->tok.start + p->tok.len);
}

/* Appends a node whose evaluation changes the stack height by delta (+1 push, -1 binary, 0 unary). */
static rs_status emit(parser *p, rs_expr_node node, int delta, size_t off)
{
    if (p->n_nodes >= RS_EXPR_MAX_NODES)
        return fail_at(p, off, "expression too large (more than %d operations)", RS_EXPR_MAX_NODES);
    p->nodes[p->n_nodes++] = node;
    p->sp = (size_t)((long)p->sp + delta);
    if (p->sp > p->max_sp)
        p->max_sp = p->sp;
    if (p->max_sp > RS_EXPR_MAX_STACK) /* cannot happen within the depth cap (see RS_EXPR_MAX_STACK) */
        return fail_at(p, off, "expression too complex");
    return RS_OK;
}

static rs_status emit_op(parser *p, rs_expr_op op, int delta, size_t off)
{
    return emit(p, (rs_expr_node){.op = op}, delta, off);
}

/* Counts one more level of nesting at byte offset off; the caller leaves it with p->depth--. */
static rs_status enter(parser *p, size_t off)
{
    if (++p->depth > RS_EXPR_MAX_DEPTH)
        return fail_at(p, off, "nested too deeply (at most %d levels)", RS_EXPR_MAX_DEPTH);
    return RS_OK;
}

static rs_status parse_sum(parser *p);
static rs_status parse_unary(parser *p);

/* Fails with "expected X (got ...)", or a clearer message when a comparison appears inside brackets. */
static rs_status fail_expected(parser *p, const char *expected)
{
    char got[64];
    if (p->tok.kind == TOK_CMP)
        return fail_at(p, p->tok.start, "a comparison is allowed only at the top level, not inside brackets");
    return fail_at(p, p->tok.start, "expected %s (got %s)", expected, tok_desc(p, got, sizeof got));
}

/* Looks up the name of length len at text+off among the estimates; -1 when absent. */
static long find_name(const parser *p, size_t off, size_t len)
{
    for (size_t i = 0; i < p->n_names; i++)
        if (p->names[i] && strlen(p->names[i]) == len && memcmp(p->names[i], p->text + off, len) == 0)
            return (long)i;
    return -1;
}

static long find_func(const parser *p, size_t off, size_t len)
{
    for (size_t i = 0; i < RS_EXPR_N_FUNCS; i++)
        if (strlen(rs_expr_funcs[i].name) == len && memcmp(rs_expr_funcs[i].name, p->text + off, len) == 0)
            return (long)i;
    return -1;
}

/* " (did you mean 'x'?)" for the word at text+off among candidates, or "". */
static const char *hint(const parser *p, size_t off, size_t len, const char *const *cand, size_t n, char *buf,
                        size_t cap)
{
    char word[128];
    if (len >= sizeof word) { /* far longer than any estimate's name: no useful suggestion */
        buf[0] = '\0';
        return buf;
    }
    memcpy(word, p->text + off, len);
    word[len] = '\0';
    return rs_suggest_hint(word, cand, n, buf, cap);
}

/* function '(' sum { ',' sum } ')', with the name as the current token. */
static rs_status parse_call(parser *p)
{
    size_t off = p->tok.start, len = p->tok.len;
    char h[160];
    long f = find_func(p, off, len);
    if (f < 0) {
        if (find_name(p, off, len) >= 0)
            return fail_at(p, off, "'%.*s' is an estimate, not a function", (int)len, p->text + off);
        return fail_at(p, off, "unknown function '%.*s'%s", (int)(len < 64 ? len : 64), p->text + off,
                       hint(p, off, len, rs_expr_func_names, RS_EXPR_N_FUNCS, h, sizeof h));
    }
    rs_status st = enter(p, off);
    if (st || (st = advance(p)) || (st = advance(p))) /* the name and '(' */
        return st;
    int n_args = 0;
    for (;;) {
        if ((st = parse_sum(p)))
            return st;
        if (++n_args > 1 && (st = emit_op(p, rs_expr_funcs[f].op, -1, off)))
            return st;
        if (p->tok.kind == TOK_RPAREN)
            break;
        if (p->tok.kind != TOK_COMMA)
            return fail_expected(p, "',' or ')'");
        if ((st = advance(p)))
            return st;
    }
    if (rs_expr_funcs[f].arity && n_args != rs_expr_funcs[f].arity)
        return fail_at(p, off, "%s takes %d argument%s (got %d)", rs_expr_funcs[f].name, rs_expr_funcs[f].arity,
                       rs_expr_funcs[f].arity == 1 ? "" : "s", n_args);
    if (rs_expr_funcs[f].arity && (st = emit_op(p, rs_expr_funcs[f].op, 0, off)))
        return st;
    p->depth--;
    return advance(p); /* ')' */
}

/* Converts the number token (checked by lex_at: digits, '.', exponent) into *x. strtod needs it alone, not
 * followed by the rest of the text ("0x1p3" would read as hex), hence the copy; long ones go to the heap so that
 * no big buffer sits in the recursion. */
static rs_status to_number(parser *p, double *x)
{
    const token *t = &p->tok;
    char small[64], *buf = t->len < sizeof small ? small : malloc(t->len + 1);
    if (!buf)
        return RS_SET(p->err, RS_ERR_RUNTIME, "%s: out of memory", p->what);
    memcpy(buf, p->text + t->start, t->len);
    buf[t->len] = '\0';
    *x = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    if (isinf(*x))
        return fail_at(p, t->start, "number '%.*s' is out of range", (int)(t->len < 40 ? t->len : 40),
                       p->text + t->start);
    return RS_OK;
}

/* number | name | '(' sum ')' | call */
static rs_status parse_primary(parser *p)
{
    token t = p->tok;
    rs_status st;
    char got[64];
    switch (t.kind) {
    case TOK_NUM: {
        double x = 0;
        if ((st = to_number(p, &x)))
            return st;
        if ((st = emit(p, (rs_expr_node){.op = OP_NUM, .num = x}, +1, t.start)))
            return st;
        return advance(p);
    }
    case TOK_NAME: {
        size_t j = t.start + t.len; /* a name then '(' is a call; only peek, so errors stay in text order */
        while (j < p->len && (p->text[j] == ' ' || p->text[j] == '\t' || p->text[j] == '\n' || p->text[j] == '\r'))
            j++;
        if (j < p->len && p->text[j] == '(')
            return parse_call(p);
        long i = find_name(p, t.start, t.len);
        if (i < 0) {
            if (find_func(p, t.start, t.len) >= 0)
                return fail_at(p, t.start, "function '%.*s' needs its arguments in brackets, as in %.*s(x)",
                               (int)t.len, p->text + t.start, (int)t.len, p->text + t.start);
            char h[160];
            return fail_at(p, t.start, "unknown estimate '%.*s'%s", (int)(t.len < 200 ? t.len : 200),
                           p->text + t.start, hint(p, t.start, t.len, p->names, p->n_names, h, sizeof h));
        }
        if ((st = emit(p, (rs_expr_node){.op = OP_VAR, .idx = (size_t)i}, +1, t.start)))
            return st;
        return advance(p);
    }
    case TOK_LPAREN:
        if ((st = enter(p, t.start)) || (st = advance(p)) || (st = parse_sum(p)))
            return st;
        if (p->tok.kind != TOK_RPAREN)
            return fail_expected(p, "')'");
        p->depth--;
        return advance(p);
    default:
        return fail_at(p, t.start, "expected a number, a name or '(' (got %s)", tok_desc(p, got, sizeof got));
    }
}

/* primary [ '^' unary ]: the right operand is a unary so that 2^-1 works and 2^3^2 = 2^(3^2). */
static rs_status parse_power(parser *p)
{
    rs_status st = parse_primary(p);
    if (st || p->tok.kind != TOK_OP || p->tok.op != '^')
        return st;
    size_t off = p->tok.start;
    if ((st = enter(p, off)) || (st = advance(p)) || (st = parse_unary(p)))
        return st;
    p->depth--;
    return emit_op(p, OP_POW, -1, off);
}

/* ('-' | '+') unary | power: a sign binds looser than '^', so -2^2 = -(2^2). */
static rs_status parse_unary(parser *p)
{
    if (p->tok.kind != TOK_OP || (p->tok.op != '-' && p->tok.op != '+'))
        return parse_power(p);
    size_t off = p->tok.start;
    int neg = p->tok.op == '-';
    rs_status st;
    if ((st = enter(p, off)) || (st = advance(p)) || (st = parse_unary(p)))
        return st;
    p->depth--;
    return neg ? emit_op(p, OP_NEG, 0, off) : RS_OK;
}

static rs_status parse_product(parser *p)
{
    rs_status st = parse_unary(p);
    while (!st && p->tok.kind == TOK_OP && (p->tok.op == '*' || p->tok.op == '/')) {
        size_t off = p->tok.start;
        rs_expr_op op = p->tok.op == '*' ? OP_MUL : OP_DIV;
        if (!(st = advance(p)) && !(st = parse_unary(p)))
            st = emit_op(p, op, -1, off);
    }
    return st;
}

static rs_status parse_sum(parser *p)
{
    rs_status st = parse_product(p);
    while (!st && p->tok.kind == TOK_OP && (p->tok.op == '+' || p->tok.op == '-')) {
        size_t off = p->tok.start;
        rs_expr_op op = p->tok.op == '+' ? OP_ADD : OP_SUB;
        if (!(st = advance(p)) && !(st = parse_product(p)))
            st = emit_op(p, op, -1, off);
    }
    return st;
}

/* sum [ cmp sum ] end */
static rs_status parse_top(parser *p, rs_expr_cmp *cmp)
{
    rs_status st = parse_sum(p);
    if (st)
        return st;
    *cmp = CMP_NONE;
    if (p->tok.kind == TOK_CMP) {
        size_t off = p->tok.start;
        *cmp = p->tok.cmp;
        if ((st = advance(p)) || (st = parse_sum(p)))
            return st;
        rs_expr_op op = *cmp == CMP_LE || *cmp == CMP_LT ? OP_G_LE : OP_G_GE;
        if ((st = emit_op(p, op, -1, off)))
            return st;
        if (p->tok.kind == TOK_CMP)
            return fail_at(p, p->tok.start, "only one comparison is allowed in an expression");
    }
    if (p->tok.kind == TOK_END)
        return RS_OK;
    if (p->tok.kind == TOK_RPAREN)
        return fail_at(p, p->tok.start, "')' without a matching '('");
    char got[64];
    return fail_at(p, p->tok.start, "unexpected %s after a complete expression", tok_desc(p, got, sizeof got));
}

rs_status rs_expr_parse(const char *text, const char *what, const char *const *names, size_t n_names,
                        rs_expr **out, rs_error *err)
{
    *out = NULL;
    if (!what)
        what = "expression";
    if (!text)
        text = "";
    size_t len = strnlen(text, RS_EXPR_MAX_TEXT + 1); /* never reads far into a huge string */
    if (len > RS_EXPR_MAX_TEXT)
        RS_FAIL(err, RS_ERR_INPUT, "%s: expression too long (more than %d characters)", what, RS_EXPR_MAX_TEXT);
    parser p = {.text = text, .len = len, .what = what, .names = names, .n_names = names ? n_names : 0, .err = err};
    rs_status st = lex_at(&p, 0);
    if (st)
        return st;
    if (p.tok.kind == TOK_END)
        RS_FAIL(err, RS_ERR_INPUT, "%s '%.80s': empty expression", what, text);
    p.nodes = malloc(RS_EXPR_MAX_NODES * sizeof *p.nodes);
    if (!p.nodes)
        RS_FAIL(err, RS_ERR_RUNTIME, "%s: out of memory", what);
    rs_expr_cmp cmp;
    if ((st = parse_top(&p, &cmp))) {
        free(p.nodes);
        return st;
    }
    rs_expr *e = calloc(1, sizeof *e);
    size_t n_vars = 0;
    for (size_t i = 0; i < p.n_nodes; i++)
        n_vars += p.nodes[i].op == OP_VAR;
    if (e) {
        e->nodes = malloc(p.n_nodes * sizeof *e->nodes);
        e->uses = malloc((n_vars ? n_vars : 1) * sizeof *e->uses);
    }
    if (!e || !e->nodes || !e->uses) {
        free(p.nodes);
        rs_expr_free(e);
        RS_FAIL(err, RS_ERR_RUNTIME, "%s: out of memory", what);
    }
    memcpy(e->nodes, p.nodes, p.n_nodes * sizeof *e->nodes);
    e->n_nodes = p.n_nodes;
    e->cmp = cmp;
    free(p.nodes);
    for (size_t i = 0; i < e->n_nodes; i++) { /* quadratic, but in at most RS_EXPR_MAX_NODES */
        if (e->nodes[i].op != OP_VAR)
            continue;
        size_t k = 0;
        while (k < e->n_uses && e->uses[k] != e->nodes[i].idx)
            k++;
        if (k == e->n_uses)
            e->uses[e->n_uses++] = e->nodes[i].idx;
    }
    *out = e;
    return RS_OK;
}

void rs_expr_free(rs_expr *e)
{
    if (!e)
        return;
    free(e->nodes);
    free(e->uses);
    free(e);
}

/* min and max that return NaN when either operand is NaN (fmin and fmax return the other one). */
static double nan_min(double a, double b)
{
    return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
}

static double nan_max(double a, double b)
{
    return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
}

double rs_expr_eval(const rs_expr *e, const double *values)
{
    if (!e)
        return NAN;
    double st[RS_EXPR_MAX_STACK]; /* the parser guarantees the program never needs more */
    size_t sp = 0;
    for (size_t i = 0; i < e->n_nodes; i++) {
        const rs_expr_node *n = &e->nodes[i];
        double a = sp >= 2 ? st[sp - 2] : 0, b = sp >= 1 ? st[sp - 1] : 0, r;
        switch (n->op) {
        case OP_NUM: st[sp++] = n->num; continue;
        case OP_VAR: st[sp++] = values ? values[n->idx] : NAN; continue;
        case OP_NEG: st[sp - 1] = -b; continue;
        case OP_ABS: st[sp - 1] = fabs(b); continue;
        case OP_SQRT: st[sp - 1] = sqrt(b); continue;
        case OP_LOG: st[sp - 1] = log(b); continue;
        case OP_EXP: st[sp - 1] = exp(b); continue;
        case OP_ADD: r = a + b; break;
        case OP_SUB: r = a - b; break;
        case OP_MUL: r = a * b; break;
        case OP_DIV: r = a / b; break;
        case OP_POW: r = isnan(a) || isnan(b) ? NAN : pow(a, b); break; /* pow(NaN, 0) and pow(1, NaN) are 1 */
        case OP_MIN: r = nan_min(a, b); break;
        case OP_MAX: r = nan_max(a, b); break;
        case OP_G_LE: r = a - b; break;
        case OP_G_GE: r = b - a; break;
        default: return NAN;
        }
        st[--sp - 1] = r;
    }
    return sp == 1 ? st[0] : NAN;
}

int rs_expr_is_comparison(const rs_expr *e)
{
    return e && e->cmp != CMP_NONE;
}

int rs_expr_holds(const rs_expr *e, const double *values)
{
    double g = rs_expr_eval(e, values);
    if (isnan(g))
        return 0;
    return e->cmp == CMP_LT || e->cmp == CMP_GT ? g < 0 : g <= 0;
}

size_t rs_expr_uses(const rs_expr *e, size_t *idx, size_t cap)
{
    size_t n = 0;
    for (; e && n < e->n_uses && n < cap; n++)
        idx[n] = e->uses[n];
    return n;
}
