/* A small, safe expression evaluator for `rollsim optimize --objective EXPR --constraint EXPR`, over a run's
 * risk estimates: `excess_harm.mean + 5 * time_to_full.mean`, `p_escape.hi <= 0.05`, `max(harm.p95, 100) / 1000`.
 * A hand-written recursive-descent parser compiles the text to a short postfix (RPN) program that is evaluated in
 * C: no shell, no interpreter, no allocation at evaluation. Text length, nesting depth and program size are capped
 * before they can cost anything, so hostile text gives a message, never a crash or a deep recursion.
 *
 * Grammar (whitespace allowed between any two tokens):
 *   top     := sum [ ('<=' | '<' | '>=' | '>') sum ]      one comparison, at the top level only
 *   sum     := product { ('+' | '-') product }            left-associative
 *   product := unary { ('*' | '/') unary }                left-associative
 *   unary   := ('-' | '+') unary | power                  so -2^2 = -4, as in maths
 *   power   := primary [ '^' unary ]                      right-associative: 2^3^2 = 512
 *   primary := number | name | '(' sum ')' | function '(' sum { ',' sum } ')'
 * number: 12, 1.5, .5, 1e-3, 2.5E+4 (no sign, hex, inf or nan); name: [A-Za-z_][A-Za-z0-9_]* then any number of
 * .[A-Za-z0-9_]+ parts ("p_escape.hi"); functions: min(a, ...), max(a, ...), abs(x), sqrt(x), log(x) (natural),
 * exp(x). Arithmetic is IEEE: 1/0 is inf, log(-1) and sqrt(-1) are NaN. A NaN operand always gives NaN (also in
 * min, max and ^, where C's fmin and pow would drop it), so an estimate that could not be computed never passes
 * for a number. */
#ifndef RS_EXPR_H
#define RS_EXPR_H

#include <stddef.h>

#include "status.h"

#define RS_EXPR_MAX_TEXT 4096 /* characters (bytes) of text */
#define RS_EXPR_MAX_DEPTH 64  /* nested parentheses, function calls, unary signs and '^' right operands */
#define RS_EXPR_MAX_NODES 1024 /* operations of the compiled program (one a number, name or operator) */

typedef struct rs_expr rs_expr;

/* Parses text. names[0..n_names-1] are the variables an expression may use (e.g. "p_escape.hi", "harm.mean");
 * what names the option for messages (e.g. "--objective"). Neither text, what nor names is referenced after the
 * call (the compiled expression refers to a name by its index). On success *out is a new expression the caller
 * frees with rs_expr_free; on failure *out is NULL and err holds a message such as
 *   --objective 'excess_harm.mean + * 5': at position 20: expected a number, a name or '(' (got '*')
 *   --objective 'exess_harm.mean': at position 1: unknown estimate 'exess_harm.mean' (did you mean 'excess_harm.mean'?)
 * Positions are 1-based characters (UTF-8 sequences count once); text longer than 80 bytes is shown shortened with
 * "...". Returns RS_OK, RS_ERR_INPUT for bad text, or RS_ERR_RUNTIME when memory runs out. */
rs_status rs_expr_parse(const char *text, const char *what, const char *const *names, size_t n_names,
                        rs_expr **out /* out */, rs_error *err);

/* Frees e; NULL does nothing. */
void rs_expr_free(rs_expr *e);

/* Evaluates e with values[i] the value of names[i] of the parse (values may be NULL when e uses no name; NaN
 * propagates). For a comparison returns g = lhs - rhs for '<=' and '<', rhs - lhs for '>=' and '>', so the
 * constraint holds iff g <= 0 (strict ones: g < 0; see rs_expr_holds) and g measures by how much it is violated.
 * Thread-safe: e is only read. A NULL e gives NaN. */
double rs_expr_eval(const rs_expr *e, const double *values);

/* 1 when the top level of e is a comparison, else 0 (also for NULL). */
int rs_expr_is_comparison(const rs_expr *e);

/* 1 when constraint e holds for values: g <= 0, or g < 0 for '<' and '>'; a NaN g does not hold. An expression
 * without a comparison is read as the g of a constraint "e <= 0". */
int rs_expr_holds(const rs_expr *e, const double *values);

/* Writes to idx the indices into the parse's names of the names e uses, each once, in order of first appearance,
 * at most cap of them; returns how many were written (call with cap = n_names to get all). */
size_t rs_expr_uses(const rs_expr *e, size_t *idx /* out */, size_t cap);

#endif
