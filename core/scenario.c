#include "scenario.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <lauxlib.h>
#include <pthread.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gates.h"
#include "quality.h"
#include "suggest.h"

/* Bounds that stop a broken or hostile scenario (SPEC §5, §10). */
#define RS_LUA_MEMORY_CAP ((size_t)256 << 20)
#define RS_LUA_INSTRUCTION_CAP 200000000L
#define RS_LUA_HOOK_EVERY 10000

/* The host reads scenario tables raw: a metatable's __index or __newindex (scenario code) must not run while
 * the host reads, where no instruction budget applies and an error would escape protected mode. A key of
 * something that is not a table reads as nil. Each pushes one value and returns its type. */
static int raw_field(lua_State *L, int idx, const char *key)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx)) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    lua_pushstring(L, key);
    return lua_rawget(L, idx);
}

static int raw_index(lua_State *L, int idx, lua_Integer i)
{
    if (!lua_istable(L, idx)) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_rawgeti(L, idx, i);
}

/* t[key] = the value on top (popped), raw; t must be a table. */
static void raw_setfield(lua_State *L, int idx, const char *key)
{
    idx = lua_absindex(L, idx);
    lua_pushstring(L, key);
    lua_insert(L, -2);
    lua_rawset(L, idx);
}

/* Duration helpers (hours), in C so a bad argument is reported at the scenario's line. */
static int helper_minutes(lua_State *L)
{
    lua_pushnumber(L, luaL_checknumber(L, 1) / 60);
    return 1;
}

static int helper_hours(lua_State *L)
{
    lua_pushnumber(L, luaL_checknumber(L, 1));
    return 1;
}

static int helper_days(lua_State *L)
{
    lua_pushnumber(L, luaL_checknumber(L, 1) * 24);
    return 1;
}

/* Distributions for version parameters, drawn once per replication: the helpers return a tagged table that
 * the loader turns into an rs_dist. Arguments are checked here, so errors point at the scenario's line. */
static int push_dist(lua_State *L, const char *kind, double a, double b)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "__rollsim_dist");
    lua_pushnumber(L, a);
    lua_setfield(L, -2, "a");
    lua_pushnumber(L, b);
    lua_setfield(L, -2, "b");
    return 1;
}

static int helper_beta(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
    luaL_argcheck(L, a > 0 && isfinite(a), 1, "beta(a, b) needs a > 0");
    luaL_argcheck(L, b > 0 && isfinite(b), 2, "beta(a, b) needs b > 0");
    return push_dist(L, "beta", a, b);
}

static int helper_uniform(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
    luaL_argcheck(L, isfinite(a) && isfinite(b) && a < b, 2, "uniform(a, b) needs a < b");
    return push_dist(L, "uniform", a, b);
}

static int helper_normal(lua_State *L)
{
    double mu = luaL_checknumber(L, 1), sd = luaL_checknumber(L, 2);
    luaL_argcheck(L, sd > 0 && isfinite(sd) && isfinite(mu), 2, "normal(mean, sd) needs sd > 0");
    return push_dist(L, "normal", mu, sd);
}

static int helper_lognormal(lua_State *L)
{
    double mu = luaL_checknumber(L, 1), sd = luaL_checknumber(L, 2);
    luaL_argcheck(L, sd > 0 && isfinite(sd) && isfinite(mu), 2, "lognormal(mu, sigma) needs sigma > 0");
    return push_dist(L, "lognormal", mu, sd);
}

static int helper_exponential(lua_State *L)
{
    double mean = luaL_checknumber(L, 1);
    luaL_argcheck(L, mean > 0 && isfinite(mean), 1, "exponential(mean) needs mean > 0");
    return push_dist(L, "exponential", mean, 0);
}

static int helper_choice(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, n >= 1, 1, "choice{ {p1, v1}, {p2, v2}, ... } needs at least one option");
    double sum = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        raw_index(L, 1, i);
        if (!lua_istable(L, -1))
            return luaL_error(L, "choice: option %d must be a pair {probability, value}", (int)i);
        raw_index(L, -1, 1);
        raw_index(L, -2, 2);
        if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1))
            return luaL_error(L, "choice: option %d must be a pair {probability, value} of numbers", (int)i);
        double p = lua_tonumber(L, -2);
        if (!(p >= 0 && p <= 1))
            return luaL_error(L, "choice: option %d has probability %f, expected one in [0, 1]", (int)i, p);
        sum += p;
        lua_pop(L, 3);
    }
    if (fabs(sum - 1) > 1e-9)
        return luaL_error(L, "choice: the probabilities sum to %f, expected 1", sum);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, "choice");
    lua_setfield(L, -2, "__rollsim_dist");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "options");
    return 1;
}

/* ztest(cand_errors, cand_requests, base_errors, base_requests, alpha) -> fires, z (the gate of §7, for
 * Lua policies). */
static int helper_ztest(lua_State *L)
{
    rs_ztest_input in;
    in.cand_errors = (uint64_t)luaL_checkinteger(L, 1);
    in.cand_requests = (uint64_t)luaL_checkinteger(L, 2);
    in.base_errors = (uint64_t)luaL_checkinteger(L, 3);
    in.base_requests = (uint64_t)luaL_checkinteger(L, 4);
    in.alpha = luaL_optnumber(L, 5, 0.05);
    luaL_argcheck(L, in.alpha > 0 && in.alpha < 1, 5, "alpha must be in (0, 1)");
    double z;
    rs_gate_result r = rs_gate_ztest(&in, &z);
    lua_pushboolean(L, r == RS_GATE_FAIL);
    lua_pushnumber(L, z);
    return 2;
}

static int helper_scenario(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    return 1;
}

/* `load` is wrapped so binary chunks are refused; file and bytecode access is removed. */
static const char prelude[] =
    "do local raw_load, error, type, sub, setmetatable = load, error, type, string.sub, setmetatable\n"
    "  local sandbox = 'scenarios run in a sandbox with only the base, table, string, math and utf8 libraries'\n"
    "  load = function(chunk, name, mode, env)\n"
    "    if type(chunk) == 'string' and sub(chunk, 1, 1) == '\\27' then\n"
    "      error('load: binary chunks are refused (' .. sandbox .. ', and text only)', 2) end\n"
    "    return raw_load(chunk, name, 't', env) end\n"
    "  local function refuse(what) return function() error(what .. ' is not available: ' .. sandbox, 2) end end\n"
    "  dofile, loadfile, require = refuse('dofile'), refuse('loadfile'), refuse('require')\n"
    "  collectgarbage, string.dump = refuse('collectgarbage'), refuse('string.dump')\n"
    "  local rawget = rawget\n"
    "  _ENV.setmetatable = function(t, mt)\n"
    "    if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then\n"
    "      error('setmetatable: __gc finalizers are not available (they would run at no fixed time): ' .. sandbox, 2) end\n"
    "    return setmetatable(t, mt) end\n"
    "  getmetatable('').__metatable = false\n"
    /* Lua runs a message handler inside the error machinery with hooks off: an endless handler would escape the
     * budget. This xpcall runs the handler after unwinding, as ordinary (budgeted) code. */
    "  local pcall, pack, unpack = pcall, table.pack, table.unpack\n"
    "  xpcall = function(f, handler, ...)\n"
    "    local r = pack(pcall(f, ...))\n"
    "    if r[1] then return unpack(r, 1, r.n) end\n"
    "    return false, (handler(r[2])) end\n"
    "  for _, lib in ipairs({ 'io', 'os', 'package', 'debug' }) do\n"
    "    _G[lib] = setmetatable({}, { __index = function(_, k)\n"
    "      error(lib .. '.' .. tostring(k) .. ' is not available: ' .. sandbox, 2) end })\n"
    "  end\n"
    "end\n";

typedef struct lua_limits {
    size_t used;
    long instructions;
    int exhausted; /* the budget ran out: every hook raises again until the host regains control */
    int host;      /* the host itself is converting tables: its allocations are not the script's */
} lua_limits;

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    lua_limits *lim = ud;
    if (!ptr)
        osize = 0;
    if (nsize == 0) {
        free(ptr);
        lim->used -= osize;
        return NULL;
    }
    if (nsize > osize && !lim->host && lim->used + (nsize - osize) > RS_LUA_MEMORY_CAP)
        return NULL; /* Lua raises "not enough memory" */
    void *p = realloc(ptr, nsize);
    if (p)
        lim->used = lim->used - osize + nsize;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_limits *lim;
    lua_getallocf(L, (void **)&lim);
    lim->instructions += RS_LUA_HOOK_EVERY;
    if (lim->instructions > RS_LUA_INSTRUCTION_CAP || lim->exhausted) {
        /* A pcall in the script would swallow one error: from now on the hook fires at every instruction and
         * raises again, so each enclosing pcall is left in turn until the host's own call returns. */
        if (!lim->exhausted) {
            lim->exhausted = 1;
            lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
        }
        luaL_error(L, "scenario stopped: it ran more than %d million Lua instructions (an endless loop?)",
                   (int)(RS_LUA_INSTRUCTION_CAP / 1000000));
    }
}

/* lua_pcall of the function under its nargs arguments with a fresh instruction budget and the memory cap
 * applied to the script; the hook is off again afterwards (the host's own work is not budgeted). */
static int budgeted_pcall(lua_State *L, int nargs, int nresults, int handler)
{
    lua_limits *lim;
    lua_getallocf(L, (void **)&lim);
    int host = lim->host;
    lim->instructions = 0;
    lim->exhausted = 0;
    lim->host = 0;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, RS_LUA_HOOK_EVERY);
    int rc = lua_pcall(L, nargs, nresults, handler);
    lua_sethook(L, NULL, 0, 0);
    lim->host = host;
    lim->exhausted = 0;
    return rc;
}

/* The last line of defence: Lua reached an error outside any protected call (a bug of ours, as every call is
 * meant to be protected). Lua would abort(); say what happened on one line and end with the runtime code. */
static int panic_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "rollsim: internal error: Lua error outside a protected call: %s\n", msg ? msg : "(no message)");
    fflush(stderr);
    _exit(1);
}

/* string.find, match, gmatch and gsub run a backtracking matcher in C, where the instruction hook never fires:
 * ("a"):rep(30000):find(".-.-.-.-b") would run for years. A pattern with q repetition items (*, +, -, %b) on
 * a subject of n bytes takes at most about n^(q+1) steps (n^q when anchored with ^); a call above
 * RS_PATTERN_STEPS is refused before it starts. Upvalues: the library's function, its name. */
#define RS_PATTERN_STEPS 1e9
static int bounded_pattern(lua_State *L)
{
    size_t n, plen;
    const char *subject = luaL_checklstring(L, 1, &n);
    const char *p = luaL_checklstring(L, 2, &plen);
    (void)subject;
    const char *name = lua_tostring(L, lua_upvalueindex(2));
    int plain = !strcmp(name, "find") && lua_toboolean(L, 4);
    if (!plain && n > 64) {
        int q = 0;
        for (size_t i = 0; i < plen; i++) {
            char c = p[i];
            if (c == '%') {
                if (i + 1 < plen && p[i + 1] == 'b') {
                    q++;
                    i += 3;
                } else {
                    i++;
                }
            } else if (c == '[') { /* a set: skip to its closing ] (a ] first in the set is literal) */
                size_t k = i + 1;
                if (k < plen && p[k] == '^')
                    k++;
                if (k < plen && p[k] == ']')
                    k++;
                while (k < plen && p[k] != ']')
                    k += p[k] == '%' ? 2 : 1;
                i = k;
            } else if ((c == '*' || c == '+' || c == '-') && i > 0) {
                q++;
            }
        }
        double steps = pow((double)n + 1, q + (plen > 0 && p[0] == '^' ? 0 : 1));
        if (q > 0 && steps > RS_PATTERN_STEPS) {
            char msg[300]; /* lua_pushfstring knows no %zu */
            snprintf(msg, sizeof msg, "string.%s: a pattern with %d repetition(s) on a subject of %zu bytes could run "
                     "for hours (the sandbox allows length^(repetitions + 1) <= 10^9): shorten the subject or the "
                     "pattern%s", name, q, n, !strcmp(name, "find") ? ", or search plain text" : "");
            return luaL_error(L, "%s", msg);
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int traceback_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) { /* error(non-string): say what it was, not an address that changes every run */
        lua_Debug ar;
        int line = -1;
        for (int level = 1; line < 0 && lua_getstack(L, level, &ar); level++) /* skip error() itself */
            if (lua_getinfo(L, "Sl", &ar))
                line = ar.currentline;
        if (line >= 0)
            msg = lua_pushfstring(L, "%s:%d: the scenario raised an error that is not a message (a %s)",
                                  ar.short_src, line, luaL_typename(L, 1));
        else
            msg = lua_pushfstring(L, "the scenario raised an error that is not a message (a %s)",
                                  luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Keeps the first line of a Lua error ("file:line: message"); the traceback follows on later lines. */
static void first_line(char *s)
{
    char *nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
    int skip = 0; /* an error raised in the prelude's own wrappers (xpcall, setmetatable): no place of ours */
    if (sscanf(s, "prelude:%*d: %n", &skip) == 0 && skip > 0)
        memmove(s, s + skip, strlen(s + skip) + 1);
}

static lua_State *new_state(lua_limits *lim)
{
    lua_State *L = lua_newstate(capped_alloc, lim);
    if (!L)
        return NULL;
    lua_atpanic(L, panic_handler);
    lim->host = 1; /* the libraries are ours */
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},          {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string},   {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8},    {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    static const luaL_Reg helpers[] = {{"minutes", helper_minutes}, {"hours", helper_hours},
                                       {"days", helper_days},       {"scenario", helper_scenario},
                                       {"beta", helper_beta},       {"uniform", helper_uniform},
                                       {"normal", helper_normal},   {"lognormal", helper_lognormal},
                                       {"choice", helper_choice},   {"ztest", helper_ztest},
                                       {"exponential", helper_exponential}, {NULL, NULL}};
    lua_pushglobaltable(L);
    luaL_setfuncs(L, helpers, 0);
    lua_pop(L, 1);
    if (lua_getglobal(L, LUA_STRLIBNAME) == LUA_TTABLE) {
        static const char *const matchers[] = {"find", "match", "gmatch", "gsub"};
        for (size_t i = 0; i < sizeof matchers / sizeof *matchers; i++) {
            lua_getfield(L, -1, matchers[i]);
            lua_pushstring(L, matchers[i]);
            lua_pushcclosure(L, bounded_pattern, 2);
            lua_setfield(L, -2, matchers[i]);
        }
    }
    lua_pop(L, 1);
    /* math.random: seeded from nothing that changes between runs (Lua seeds it from the clock); each
     * replication's state is seeded again from (seed, replication), see rs_scenario_rep_begin. The seeding
     * function is kept in the registry, out of the script's reach. */
    if (lua_getglobal(L, LUA_MATHLIBNAME) == LUA_TTABLE && lua_getfield(L, -1, "randomseed") == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "rollsim.randomseed");
        lua_pushinteger(L, 0);
        lua_call(L, 1, 0);
    } else {
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (luaL_loadbufferx(L, prelude, sizeof prelude - 1, "=prelude", "t") || lua_pcall(L, 0, 0, 0)) {
        lua_close(L);
        return NULL;
    }
    lim->host = 0;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, RS_LUA_HOOK_EVERY);
    return L;
}

static const char *const top_keys[] = {"name",       "description", "seed",     "replications", "horizon",
                                       "sample_every", "population", "versions", "policy",       "policies",
                                       "events",     "outputs",     "mode",     "dt",
                                       "prevalence", "labels"};
static const char *const segment_keys[] = {"name", "users", "rate", "daily", "effects", "prevalence", "labels"};
static const char *const version_keys[] = {"name",    "baseline", "error_rate", "success_rate",
                                           "latency", "release_at", "bad", "recall",
                                           "specificity", "false_positive_rate", "precision", "accuracy", "f1"};
static const char *const daily_keys[] = {"amplitude", "peak"};
static const char *const effect_keys[] = {"error_rate", "success_rate", "latency"};
static const char *const latency_keys[] = {"median", "sigma"};
static const char *const event_keys[] = {"at", "every", "to", "set", "run"};
static const char *const set_keys[] = {"version", "segment", "key", "value"};

/* ---- --set overrides ---------------------------------------------------------------------------- */

/* Pushes the Lua value of an override's text: number, boolean, duration (hours), list, or string. */
static void push_set_value(lua_State *L, const char *text)
{
    if (strchr(text, ',')) {
        lua_newtable(L);
        char *copy = strdup(text);
        if (!copy)
            luaL_error(L, "out of memory");
        int i = 1;
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            push_set_value(L, tok);
            lua_rawseti(L, -2, i++);
        }
        free(copy);
        return;
    }
    char *end;
    errno = 0;
    long long ll = strtoll(text, &end, 10);
    if (*text && !*end && errno == 0) {
        lua_pushinteger(L, (lua_Integer)ll);
        return;
    }
    double x = strtod(text, &end);
    if (*text && !*end && isfinite(x)) {
        lua_pushnumber(L, x);
        return;
    }
    double h;
    if (rs_parse_duration(text, &h) == 0) {
        lua_pushnumber(L, h);
        return;
    }
    if (!strcmp(text, "true") || !strcmp(text, "false")) {
        lua_pushboolean(L, text[0] == 't');
        return;
    }
    lua_pushstring(L, text);
}

/* A value such as "6x": a number followed by letters that are not a duration unit. */
static int bad_duration_text(const char *text, size_t len)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    strtod(buf, &end);
    if (end == buf || !*end)
        return 0;
    for (const char *c = end; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
            return 0;
    double h;
    return rs_parse_duration(buf, &h) != 0;
}

/* Applies "a.b.2.c=value" to the table on top of the stack. */
static rs_status apply_set(lua_State *L, const char *file, const char *set, rs_error *err)
{
    const char *eq = strchr(set, '=');
    if (!eq || eq == set)
        RS_FAIL(err, RS_ERR_INPUT, "--set %s: expected KEY=VALUE", set);
    for (const char *item = eq + 1;;) { /* each item of a list value */
        const char *comma = strchr(item, ',');
        size_t len = comma ? (size_t)(comma - item) : strlen(item);
        if (bad_duration_text(item, len))
            RS_FAIL(err, RS_ERR_INPUT,
                    "--set %s: bad duration \"%.*s\" (expected hours, or a number with s, m, h, d or w, e.g. "
                    "\"6h\")",
                    set, (int)len, item);
        if (!comma)
            break;
        item = comma + 1;
    }
    size_t top_len = strcspn(set, ".=");
    size_t k;
    for (k = 0; k < sizeof top_keys / sizeof *top_keys; k++)
        if (strlen(top_keys[k]) == top_len && !strncmp(top_keys[k], set, top_len))
            break;
    if (k == sizeof top_keys / sizeof *top_keys) {
        char word[128], hint[96];
        snprintf(word, sizeof word, "%.*s", (int)top_len, set);
        rs_suggest_hint(word, top_keys, sizeof top_keys / sizeof *top_keys, hint, sizeof hint);
        RS_FAIL(err, RS_ERR_INPUT, "--set %s: unknown key '%s'%s", set, word, hint);
    }
    char key[256];
    size_t klen = (size_t)(eq - set);
    if (klen >= sizeof key)
        RS_FAIL(err, RS_ERR_INPUT, "--set: key too long");
    memcpy(key, set, klen);
    key[klen] = '\0';
    int top = lua_gettop(L);
    lua_pushvalue(L, -1);
    char *save = NULL;
    char *part = strtok_r(key, ".", &save);
    const char *parent = NULL;
    while (part) {
        char *next = strtok_r(NULL, ".", &save);
        char *end;
        long idx = strtol(part, &end, 10);
        int is_index = *part && !*end;
        if (!next) {
            if (is_index)
                lua_pushinteger(L, idx);
            else
                lua_pushstring(L, part);
            push_set_value(L, eq + 1);
            lua_rawset(L, -3);
            break;
        }
        if (is_index)
            raw_index(L, -1, idx);
        else
            raw_field(L, -1, part);
        if (lua_isnil(L, -1) && is_index) {
            size_t have = (size_t)lua_rawlen(L, -2);
            lua_settop(L, top);
            RS_FAIL(err, RS_ERR_INPUT, "--set %s: %s has no item %ld (it has %zu)", set, parent ? parent : "scenario",
                    idx, have);
        }
        if (lua_isnil(L, -1) && !is_index) { /* create a missing sub-table, e.g. policy.gate_opts */
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            raw_setfield(L, -3, part);
        } else if (!lua_istable(L, -1)) {
            lua_settop(L, top);
            RS_FAIL(err, RS_ERR_INPUT, "--set %.*s: '%s' is not a table in %s", (int)klen, set, part, file);
        }
        lua_remove(L, -2);
        parent = part;
        part = next;
    }
    lua_settop(L, top);
    return RS_OK;
}

/* ---- conversion of the returned table ---------------------------------------------------------- */

typedef struct reader {
    lua_State *L;
    const char *file;
    rs_error *err;
    int keep_state; /* a version's `bad` is a Lua function: the state outlives the loader */
} reader;

static const char *type_of(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TNUMBER)
        return lua_isinteger(L, idx) ? "integer" : "number";
    return luaL_typename(L, idx);
}

/* Checks that every key of the table at idx is one of known. */
static rs_status check_keys(reader *r, int idx, const char *path, const char *const *known, size_t n_known)
{
    lua_State *L = r->L;
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            const char *t = type_of(L, -1);
            lua_pop(L, 1);
            RS_FAIL(r->err, RS_ERR_INPUT, "%s: %s: unexpected %s key (expected named keys)", r->file,
                    *path ? path : "scenario", t);
        }
        const char *k = lua_tostring(L, -1);
        size_t i;
        for (i = 0; i < n_known; i++)
            if (!strcmp(k, known[i]))
                break;
        if (i == n_known) {
            char hint[96];
            rs_suggest_hint(k, known, n_known, hint, sizeof hint);
            rs_status st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%sunknown key '%s'%s", r->file, path,
                                  *path ? ": " : "", k, hint);
            lua_pop(L, 1);
            return st;
        }
    }
    return RS_OK;
}

/* Reads field key of the table at idx as a number (durations "6h" allowed when duration). */
static rs_status get_number(reader *r, int idx, const char *path, const char *key, int required, double dflt,
                            double lo, double hi, int integer, int duration, double *out)
{
    lua_State *L = r->L;
    raw_field(L, idx, key);
    rs_status st = RS_OK;
    double x = dflt;
    const char *sep = *path ? "." : "";
    if (lua_isnil(L, -1)) {
        if (required)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%s%s: missing (expected %s)", r->file, path, sep, key,
                        integer ? "an integer" : "a number");
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
        x = lua_tonumber(L, -1);
    } else if (duration && lua_type(L, -1) == LUA_TSTRING) {
        if (rs_parse_duration(lua_tostring(L, -1), &x))
            st = RS_SET(r->err, RS_ERR_INPUT,
                        "%s: %s%s%s: bad duration \"%s\" (expected hours, or a number with s, m, h, d or w, "
                        "e.g. \"30m\", \"6h\", \"2d\")",
                        r->file, path, sep, key, lua_tostring(L, -1));
    } else {
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%s%s: expected %s, got %s", r->file, path, sep, key,
                    duration ? "a duration" : integer ? "an integer" : "a number", type_of(L, -1));
    }
    if (st == RS_OK && !lua_isnil(L, -1)) {
        if (!isfinite(x) || x < lo || x > hi) {
            char range[96];
            if (isinf(hi))
                snprintf(range, sizeof range, ">= %.10g", lo);
            else
                snprintf(range, sizeof range, "in [%.10g, %.10g]", lo, hi);
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%s%s: expected a value %s, got %.10g", r->file, path, sep,
                        key, range, x);
        } else if (integer && x != floor(x)) {
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%s%s: expected an integer, got %.10g", r->file, path, sep,
                        key, x);
        }
    }
    lua_pop(L, 1);
    *out = st == RS_OK ? x : dflt; /* never out of range: callers convert it to integers even after an error */
    return st;
}

/* Reads field key as a version parameter: a number in [lo, hi] or a distribution (beta, uniform, normal,
 * lognormal, choice); supports and values of uniform and choice must lie in [lo, hi] too. */
static rs_status get_dist(reader *r, int idx, const char *path, const char *key, int required, double dflt,
                          double lo, double hi, rs_dist *out)
{
    lua_State *L = r->L;
    memset(out, 0, sizeof *out);
    raw_field(L, idx, key);
    int t = lua_gettop(L);
    if (!lua_istable(L, t)) {
        lua_pop(L, 1);
        out->kind = RS_DIST_FIXED;
        return get_number(r, idx, path, key, required, dflt, lo, hi, 0, 0, &out->a);
    }
    rs_status st = RS_OK;
    raw_field(L, t, "__rollsim_dist");
    const char *kind = lua_tostring(L, -1);
    char range[96];
    snprintf(range, sizeof range, "[%.10g, %.10g]", lo, hi);
    if (!kind) {
        st = RS_SET(r->err, RS_ERR_INPUT,
                    "%s: %s.%s: expected a number or a distribution (beta, uniform, normal, lognormal, choice), got "
                    "a table",
                    r->file, path, key);
    } else if (!strcmp(kind, "choice")) {
        out->kind = RS_DIST_CHOICE;
        raw_field(L, t, "options");
        out->n = (size_t)lua_rawlen(L, -1);
        out->p = calloc(out->n, sizeof *out->p);
        out->v = calloc(out->n, sizeof *out->v);
        if (!out->p || !out->v)
            st = RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
        for (size_t i = 0; i < out->n && !st; i++) {
            raw_index(L, -1, (lua_Integer)i + 1);
            raw_index(L, -1, 1);
            raw_index(L, -2, 2);
            out->p[i] = lua_tonumber(L, -2);
            out->v[i] = lua_tonumber(L, -1);
            if (!(out->v[i] >= lo && out->v[i] <= hi))
                st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.%s: choice option %zu has value %.10g, expected one in %s",
                            r->file, path, key, i + 1, out->v[i], range);
            lua_pop(L, 3);
        }
        lua_pop(L, 1);
    } else {
        raw_field(L, t, "a");
        raw_field(L, t, "b");
        out->a = lua_tonumber(L, -2);
        out->b = lua_tonumber(L, -1);
        lua_pop(L, 2);
        out->kind = !strcmp(kind, "beta")          ? RS_DIST_BETA
                    : !strcmp(kind, "uniform")     ? RS_DIST_UNIFORM
                    : !strcmp(kind, "normal")      ? RS_DIST_NORMAL
                    : !strcmp(kind, "exponential") ? RS_DIST_EXPONENTIAL
                                                   : RS_DIST_LOGNORMAL;
        if (out->kind == RS_DIST_BETA && (lo > 0 || hi < 1))
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.%s: beta draws lie in [0, 1], outside %s", r->file, path, key,
                        range);
        if (out->kind == RS_DIST_UNIFORM && (out->a < lo || out->b > hi))
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.%s: uniform(%.10g, %.10g) reaches outside %s", r->file, path,
                        key, out->a, out->b, range);
    }
    lua_pop(L, 2);
    return st;
}

/* The text of the string at idx when it is fit to be a name or text in the outputs (summary.json is UTF-8, C
 * strings end at NUL), else NULL with *why set: "is empty", "contains a NUL byte", "is not valid UTF-8 (byte
 * N)", "is N bytes long". A name must be non-empty and at most max bytes. */
static const char *text_ok(lua_State *L, int idx, int is_name, size_t max, char *why, size_t why_len)
{
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (is_name && len == 0) {
        snprintf(why, why_len, "is empty (expected a name)");
        return NULL;
    }
    if (len > max) {
        snprintf(why, why_len, "is %zu bytes long (at most %zu)", len, max);
        return NULL;
    }
    if (strlen(s) != len) {
        snprintf(why, why_len, "contains a NUL byte (at byte %zu)", strlen(s) + 1);
        return NULL;
    }
    /* UTF-8 as RFC 3629 has it: no overlong forms, no surrogates, nothing above U+10FFFF */
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
        unsigned cp = n == 0 ? c : n == 1 ? c & 0x1F : n == 2 ? c & 0x0F : c & 0x07;
        int ok = n < 4 && i + n < len + (n == 0);
        for (size_t k = 1; ok && k <= n; k++) {
            ok = i + k < len && (u[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if (ok && n > 0)
            ok = !(n == 1 && cp < 0x80) && !(n == 2 && cp < 0x800) && !(n == 3 && cp < 0x10000) &&
                 !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
        if (!ok) {
            snprintf(why, why_len, "is not valid UTF-8 (byte %zu is 0x%02x)", i + 1, c);
            return NULL;
        }
        i += n + 1;
    }
    return s;
}

#define RS_MAX_NAME 200      /* names appear in CSV headers and file names of plots */
#define RS_MAX_TEXT (1 << 16) /* descriptions and other strings */

/* Reads field key as a string copy (caller frees), or dflt (copied) when absent. */
static rs_status get_string(reader *r, int idx, const char *path, const char *key, int required,
                            const char *dflt, char **out)
{
    lua_State *L = r->L;
    raw_field(L, idx, key);
    const char *sep = *path ? "." : "";
    rs_status st = RS_OK;
    const char *s = dflt;
    if (lua_isnil(L, -1)) {
        if (required)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%s%s: missing (expected a string)", r->file, path, sep, key);
    } else if (lua_type(L, -1) != LUA_TSTRING) {
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%s%s: expected a string, got %s", r->file, path, sep, key,
                    type_of(L, -1));
    } else {
        char why[96];
        int is_name = !strcmp(key, "name");
        s = text_ok(L, -1, is_name, is_name ? RS_MAX_NAME : RS_MAX_TEXT, why, sizeof why);
        if (!s)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%s%s: %s", r->file, path, sep, key, why);
    }
    *out = NULL;
    if (st == RS_OK && s && !(*out = strdup(s)))
        st = RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
    lua_pop(L, 1);
    return st;
}

/* Reads field key as a boolean into *out (0/1), or leaves *out when absent. */
static rs_status get_bool(reader *r, int idx, const char *path, const char *key, int *out)
{
    lua_State *L = r->L;
    raw_field(L, idx, key);
    rs_status st = RS_OK;
    if (lua_isboolean(L, -1))
        *out = lua_toboolean(L, -1);
    else if (!lua_isnil(L, -1))
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.%s: expected true or false, got %s", r->file, path, key,
                    type_of(L, -1));
    lua_pop(L, 1);
    return st;
}

/* Pushes field key of the table at idx and checks it is a non-empty list of `what` (e.g. "segments");
 * returns its length or 0. example shows one item, for the message. */
static size_t get_list(reader *r, int idx, const char *key, const char *what, const char *example, rs_status *st)
{
    lua_State *L = r->L;
    raw_field(L, idx, key);
    if (lua_isnil(L, -1)) {
        *st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: missing (expected a list of %s)", r->file, key, what);
        return 0;
    }
    if (!lua_istable(L, -1)) {
        *st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected a list of %s, got %s", r->file, key, what,
                     type_of(L, -1));
        return 0;
    }
    size_t n = (size_t)lua_rawlen(L, -1);
    if (n == 0) {
        lua_pushnil(L);
        int named = lua_next(L, -2);
        if (named)
            lua_pop(L, 2);
        if (named)
            *st = RS_SET(r->err, RS_ERR_INPUT,
                         "%s: %s: expected a list of %s, got a table with named keys (write %s = { %s })", r->file,
                         key, what, key, example);
        else
            *st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected a non-empty list of %s", r->file, key, what);
    }
    return n;
}

/* Converts the Lua value at idx into an rs_value tree. */
static rs_status to_value(reader *r, int idx, const char *path, int depth, rs_value *out)
{
    lua_State *L = r->L;
    idx = lua_absindex(L, idx);
    memset(out, 0, sizeof *out);
    if (depth > 16)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: %s: nested too deeply", r->file, path);
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        out->kind = RS_VALUE_NUMBER;
        out->num = lua_tonumber(L, idx);
        return RS_OK;
    case LUA_TBOOLEAN:
        out->kind = RS_VALUE_BOOL;
        out->num = lua_toboolean(L, idx);
        return RS_OK;
    case LUA_TSTRING: {
        char why[96];
        const char *text = text_ok(L, idx, 0, RS_MAX_TEXT, why, sizeof why);
        if (!text)
            RS_FAIL(r->err, RS_ERR_INPUT, "%s: %s: %s", r->file, path, why);
        out->kind = RS_VALUE_STRING;
        if (!(out->str = strdup(text)))
            RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
        return RS_OK;
    }
    case LUA_TTABLE: break;
    default:
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: %s: a %s is not a valid parameter value", r->file, path,
                luaL_typename(L, idx));
    }
    size_t n = (size_t)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        count++;
    }
    char sub[512];
    if (count == n) { /* a list 1..n */
        out->kind = RS_VALUE_LIST;
        if (n && !(out->items = calloc(n, sizeof *out->items)))
            RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
        for (size_t i = 0; i < n; i++) {
            raw_index(L, idx, (lua_Integer)i + 1);
            snprintf(sub, sizeof sub, "%s.%zu", path, i + 1);
            out->len = i + 1;
            rs_status st = to_value(r, -1, sub, depth + 1, &out->items[i]);
            lua_pop(L, 1);
            if (st) {
                rs_value_clear(out);
                return st;
            }
        }
        return RS_OK;
    }
    out->kind = RS_VALUE_TABLE;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pop(L, 2);
            rs_value_clear(out);
            RS_FAIL(r->err, RS_ERR_INPUT, "%s: %s: mixes list items and named keys", r->file, path);
        }
        const char *k = lua_tostring(L, -2);
        snprintf(sub, sizeof sub, "%s.%s", path, k);
        rs_value v;
        rs_status st = to_value(r, -1, sub, depth + 1, &v);
        if (st == RS_OK && rs_value_set(out, k, &v))
            st = RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
        lua_pop(L, 1);
        if (st) {
            rs_value_clear(&v);
            lua_pop(L, 1);
            rs_value_clear(out);
            return st;
        }
    }
    return RS_OK;
}

#define RS_MAX_SEGMENTS 64
static rs_status read_population(reader *r, int top, rs_scenario *s)
{
    lua_State *L = r->L;
    rs_status st = RS_OK;
    size_t n = get_list(r, top, "population", "segments", "{ name = ..., users = ..., rate = ... }", &st);
    if (st)
        return st;
    if (n > RS_MAX_SEGMENTS) { /* before any work on them: the name check below is quadratic */
        lua_pop(L, 1);
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: population: %zu segments; at most %d are supported", r->file, n,
                RS_MAX_SEGMENTS);
    }
    if (!(s->segments = calloc(n, sizeof *s->segments)))
        RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
    for (size_t i = 0; i < n && !st; i++) {
        char path[64];
        snprintf(path, sizeof path, "population.%zu", i + 1);
        raw_index(L, -1, (lua_Integer)i + 1);
        int idx = lua_gettop(L);
        rs_segment *g = &s->segments[i];
        s->n_segments = i + 1;
        double users = 0;
        if (!lua_istable(L, idx))
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected a table, got %s", r->file, path, type_of(L, idx));
        if (!st)
            st = check_keys(r, idx, path, segment_keys, sizeof segment_keys / sizeof *segment_keys);
        if (!st)
            st = get_string(r, idx, path, "name", 1, NULL, &g->name);
        g->peak = 14; /* a mid-afternoon peak unless told otherwise */
        if (!st) {
            raw_field(L, idx, "daily");
            int d = lua_gettop(L);
            char sub[96];
            snprintf(sub, sizeof sub, "%s.daily", path);
            if (lua_istable(L, d)) {
                st = check_keys(r, d, sub, daily_keys, sizeof daily_keys / sizeof *daily_keys);
                if (!st)
                    st = get_number(r, d, sub, "amplitude", 1, 0, 0, 1, 0, 0, &g->daily);
                if (!st)
                    st = get_number(r, d, sub, "peak", 0, 14, 0, 24, 0, 0, &g->peak);
            } else if (!lua_isnil(L, d)) {
                st = get_number(r, idx, path, "daily", 0, 0, 0, 1, 0, 0, &g->daily);
            }
            lua_pop(L, 1);
        }
        if (!st)
            st = get_number(r, idx, path, "users", 1, 0, 1, 2147483647.0, 1, 0, &users);
        if (!st)
            st = get_number(r, idx, path, "rate", 1, 0, 0, 1e9, 0, 0, &g->rate);
        g->users = (uint64_t)users;
        s->total_users += g->users;
        for (size_t j = 0; j < i && !st; j++)
            if (!strcmp(s->segments[j].name, g->name))
                st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.name: segment \"%s\" is defined twice", r->file, path,
                            g->name);
        lua_pop(L, 1);
    }
    if (!st && s->total_users > 2147483647u)
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: population: %llu users in all; exact mode holds at most 2^31 - 1",
                    r->file, (unsigned long long)s->total_users);
    lua_pop(L, 1);
    return st;
}

#define RS_MAX_CANDIDATES 14 /* per-user flags keep one exposure bit per candidate (core/sim.c) */

static rs_status read_versions(reader *r, int top, rs_scenario *s)
{
    lua_State *L = r->L;
    rs_status st = RS_OK;
    size_t n = get_list(r, top, "versions", "versions", "{ name = ..., baseline = true, error_rate = ... }, ...",
                        &st);
    if (st)
        return st;
    if (n > RS_MAX_CANDIDATES + 1) { /* before any work on them: the name check below is quadratic */
        lua_pop(L, 1);
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: versions: %zu candidates; at most %d are supported", r->file, n - 1,
                RS_MAX_CANDIDATES);
    }
    if (!(s->versions = calloc(n, sizeof *s->versions)))
        RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
    size_t n_base = 0;
    for (size_t i = 0; i < n && !st; i++) {
        char path[64];
        snprintf(path, sizeof path, "versions.%zu", i + 1);
        raw_index(L, -1, (lua_Integer)i + 1);
        int idx = lua_gettop(L);
        rs_version *v = &s->versions[i];
        s->n_versions = i + 1;
        v->bad = -1;
        if (!lua_istable(L, idx))
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected a table, got %s", r->file, path, type_of(L, idx));
        if (!st)
            st = check_keys(r, idx, path, version_keys, sizeof version_keys / sizeof *version_keys);
        if (!st) { /* latency = { median = ms, sigma = log-sd }: lognormal per request */
            raw_field(L, idx, "latency");
            int l = lua_gettop(L);
            char sub[96];
            snprintf(sub, sizeof sub, "%s.latency", path);
            if (lua_istable(L, l)) {
                st = check_keys(r, l, sub, latency_keys, sizeof latency_keys / sizeof *latency_keys);
                if (!st)
                    st = get_number(r, l, sub, "median", 1, 0, 1e-9, 1e9, 0, 0, &v->latency_median);
                if (!st)
                    st = get_number(r, l, sub, "sigma", 0, 0.5, 0, 10, 0, 0, &v->latency_sigma);
            } else if (!lua_isnil(L, l)) {
                st = RS_SET(r->err, RS_ERR_INPUT,
                            "%s: %s: expected { median = ms, sigma = log-scale sd } (a lognormal), got %s", r->file,
                            sub, type_of(L, l));
            }
            lua_pop(L, 1);
        }
        if (!st)
            st = get_number(r, idx, path, "release_at", 0, 0, 0, 1e7, 0, 1, &v->release_at);
        if (!st)
            st = get_string(r, idx, path, "name", 1, NULL, &v->name);
        if (!st)
            st = get_bool(r, idx, path, "baseline", &v->baseline);
        if (!st)
            st = get_dist(r, idx, path, "error_rate", 1, 0, 0, 1, &v->error_rate);
        if (!st)
            st = get_dist(r, idx, path, "success_rate", 0, 1, 0, 1, &v->success_rate);
        if (!st) {
            int bad = -1;
            raw_field(L, idx, "bad");
            if (lua_isfunction(L, -1)) { /* kept in the registry; the state stays open for it */
                v->bad = 2;
                v->bad_ref = luaL_ref(L, LUA_REGISTRYINDEX);
                r->keep_state = 1;
            } else if (lua_isboolean(L, -1)) {
                v->bad = bad = lua_toboolean(L, -1);
                lua_pop(L, 1);
            } else {
                if (!lua_isnil(L, -1))
                    st = RS_SET(r->err, RS_ERR_INPUT,
                                "%s: %s.bad: expected true, false or a function(v, baseline), got %s", r->file, path,
                                type_of(L, -1));
                lua_pop(L, 1);
            }
        }
        for (size_t j = 0; j < i && !st; j++)
            if (!strcmp(s->versions[j].name, v->name))
                st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.name: version \"%s\" is defined twice", r->file, path,
                            v->name);
        if (!st && v->baseline) {
            n_base++;
            s->baseline = i;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (st)
        return st;
    if (n_base != 1)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: versions: expected exactly one version with baseline = true, found %zu",
                r->file, n_base);
    if (s->n_versions < 2)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: versions: expected a baseline and at least one candidate", r->file);
    if (s->n_versions - 1 > RS_MAX_CANDIDATES)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: versions: %zu candidates; at most %d are supported", r->file,
                s->n_versions - 1, RS_MAX_CANDIDATES);
    return RS_OK;
}

static rs_status read_policy(reader *r, int top, rs_scenario *s)
{
    lua_State *L = r->L;
    raw_field(L, top, "policy");
    int idx = lua_gettop(L);
    rs_status st = RS_OK;
    if (lua_isfunction(L, idx)) { /* policy(obs, state) -> action, run by the built-in "lua" policy */
        s->policy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        r->keep_state = 1;
        s->policy.kind = RS_VALUE_TABLE;
        if (!(s->policy_name = strdup(RS_LUA_POLICY_NAME)))
            return RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
        return RS_OK;
    }
    if (!lua_istable(L, idx))
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: policy: %s (expected a table such as { name = \"fixed_stages\", "
                                          "steps = {0.01, 0.1, 1}, bake = hours(6) })",
                    r->file, lua_isnil(L, idx) ? "missing" : "wrong type");
    if (!st)
        st = get_string(r, idx, "policy", "name", 1, NULL, &s->policy_name);
    if (!st) {
        /* Everything but `name` is a parameter of the plugin, checked against its declared table later. */
        lua_pushnil(L);
        raw_setfield(L, idx, "name");
        st = to_value(r, idx, "policy", 0, &s->policy);
        if (!st && s->policy.kind == RS_VALUE_LIST && s->policy.len == 0)
            s->policy.kind = RS_VALUE_TABLE; /* no parameters */
        if (!st && s->policy.kind != RS_VALUE_TABLE)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: policy: expected named parameters, not a list", r->file);
    }
    lua_pop(L, 1);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `policies = { label = { name = "plugin", ...params }, ... }`, kept sorted by label. */
/* Pushes the optional table field key of the table at top. Returns 1 when it is there (its index in *idx; the
 * caller pops it), 0 when absent (nothing pushed), -1 with err set when it is not a table. */
static int open_optional_table(reader *r, int top, const char *key, const char *expected, int *idx)
{
    lua_State *L = r->L;
    raw_field(L, top, key);
    *idx = lua_gettop(L);
    if (lua_istable(L, *idx))
        return 1;
    int absent = lua_isnil(L, *idx);
    if (!absent)
        RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected %s, got %s", r->file, key, expected, type_of(L, *idx));
    lua_pop(L, 1);
    return absent ? 0 : -1;
}

static rs_status read_policies(reader *r, int top, rs_scenario *s)
{
    lua_State *L = r->L;
    int idx, there = open_optional_table(r, top, "policies", "a table of labelled policies", &idx);
    if (there <= 0)
        return there < 0 ? RS_ERR_INPUT : RS_OK;
    rs_status st = RS_OK;
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 2);
            RS_FAIL(r->err, RS_ERR_INPUT, "%s: policies: expected labelled policies (policies = { plan_a = { name "
                                          "= \"fixed_stages\", ... } })", r->file);
        }
        n++;
    }
    s->policy_labels = calloc(n + 1, sizeof *s->policy_labels);
    s->policy_plugins = calloc(n + 1, sizeof *s->policy_plugins);
    s->policy_params = calloc(n + 1, sizeof *s->policy_params);
    if (!s->policy_labels || !s->policy_plugins || !s->policy_params)
        st = RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
    lua_pushnil(L);
    while (!st && lua_next(L, idx)) {
        lua_pop(L, 1);
        char why[96];
        const char *label = text_ok(L, -1, 1, RS_MAX_NAME, why, sizeof why);
        if (!label)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: policies: a label %s", r->file, why);
        else if (!(s->policy_labels[s->n_policies++] = strdup(label)))
            st = RS_SET(r->err, RS_ERR_RUNTIME, "out of memory");
    }
    if (st)
        lua_pop(L, 1); /* the key left by an interrupted traversal */
    qsort(s->policy_labels, s->n_policies, sizeof *s->policy_labels, cmp_str);
    for (size_t i = 0; i < s->n_policies && !st; i++) {
        char path[300];
        snprintf(path, sizeof path, "policies.%s", s->policy_labels[i]);
        raw_field(L, idx, s->policy_labels[i]);
        int p = lua_gettop(L);
        if (!lua_istable(L, p))
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected a table such as { name = \"fixed_stages\", ... }, got %s",
                        r->file, path, type_of(L, p));
        if (!st)
            st = get_string(r, p, path, "name", 1, NULL, &s->policy_plugins[i]);
        if (!st) {
            lua_pushnil(L);
            raw_setfield(L, p, "name");
            st = to_value(r, p, path, 0, &s->policy_params[i]);
            if (!st && s->policy_params[i].kind == RS_VALUE_LIST && s->policy_params[i].len == 0)
                s->policy_params[i].kind = RS_VALUE_TABLE;
            if (!st && s->policy_params[i].kind != RS_VALUE_TABLE)
                st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected named parameters, not a list", r->file, path);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return st;
}

static long find_version(const rs_scenario *s, const char *name)
{
    for (size_t v = 0; v < s->n_versions; v++)
        if (!strcmp(s->versions[v].name, name))
            return (long)v;
    return -1;
}

static long find_segment(const rs_scenario *s, const char *name)
{
    for (size_t g = 0; g < s->n_segments; g++)
        if (!strcmp(s->segments[g].name, name))
            return (long)g;
    return -1;
}

/* Names of the versions (or segments), for a "did you mean". */
static rs_status unknown_name(reader *r, const rs_scenario *s, const char *path, const char *name, int segment)
{
    size_t n = segment ? s->n_segments : s->n_versions;
    const char **names = calloc(n, sizeof *names);
    char hint[128] = "";
    if (names) {
        for (size_t i = 0; i < n; i++)
            names[i] = segment ? s->segments[i].name : s->versions[i].name;
        rs_suggest_hint(name, names, n, hint, sizeof hint);
        free(names);
    }
    RS_FAIL(r->err, RS_ERR_INPUT, "%s: %s: no %s named \"%s\"%s", r->file, path, segment ? "segment" : "version",
            name, hint);
}

/* population[i].effects = { version_name = { error_rate = x, success_rate = y } }: multipliers of that
 * version's rates in this segment (a version worse for one segment). Read after the versions are known. */
static rs_status read_effects(reader *r, int top, rs_scenario *s)
{
    lua_State *L = r->L;
    rs_status st = RS_OK;
    for (size_t i = 0; i < s->n_segments && !st; i++) {
        rs_segment *g = &s->segments[i];
        g->error_effect = malloc(s->n_versions * sizeof *g->error_effect);
        g->success_effect = malloc(s->n_versions * sizeof *g->success_effect);
        g->latency_effect = malloc(s->n_versions * sizeof *g->latency_effect);
        if (!g->error_effect || !g->success_effect || !g->latency_effect)
            RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
        for (size_t v = 0; v < s->n_versions; v++)
            g->error_effect[v] = g->success_effect[v] = g->latency_effect[v] = 1;
        raw_field(L, top, "population");
        raw_index(L, -1, (lua_Integer)i + 1);
        raw_field(L, -1, "effects");
        int e = lua_gettop(L);
        char path[160];
        snprintf(path, sizeof path, "population.%zu.effects", i + 1);
        if (!lua_isnil(L, e) && !lua_istable(L, e))
            st = RS_SET(r->err, RS_ERR_INPUT,
                        "%s: %s: expected a table such as { candidate = { error_rate = 2 } }, got %s", r->file, path,
                        type_of(L, e));
        if (!st && lua_istable(L, e)) {
            lua_pushnil(L);
            while (!st && lua_next(L, e)) {
                const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
                long v = name ? find_version(s, name) : -1;
                char sub[300];
                snprintf(sub, sizeof sub, "%s.%s", path, name ? name : "?");
                if (!name)
                    st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected version names as keys", r->file, path);
                else if (v < 0)
                    st = unknown_name(r, s, path, name, 0);
                else if (!lua_istable(L, -1))
                    st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected { error_rate = x, success_rate = y }, got %s",
                                r->file, sub, type_of(L, -1));
                if (!st)
                    st = check_keys(r, -1, sub, effect_keys, sizeof effect_keys / sizeof *effect_keys);
                if (!st)
                    st = get_number(r, lua_gettop(L), sub, "error_rate", 0, 1, 0, 1e6, 0, 0, &g->error_effect[v]);
                if (!st)
                    st = get_number(r, lua_gettop(L), sub, "success_rate", 0, 1, 0, 1e6, 0, 0, &g->success_effect[v]);
                if (!st)
                    st = get_number(r, lua_gettop(L), sub, "latency", 0, 1, 0, 1e6, 0, 0, &g->latency_effect[v]);
                lua_pop(L, 1);
            }
            if (st)
                lua_pop(L, 1); /* the key of the interrupted traversal */
        }
        lua_pop(L, 3);
    }
    return st;
}

static int cmp_event(const void *a, const void *b)
{
    const rs_scripted *x = a, *y = b;
    if (x->at != y->at)
        return (x->at > y->at) - (x->at < y->at);
    return (x->order > y->order) - (x->order < y->order);
}

/* Appends one scripted change. */
static rs_status push_event(reader *r, rs_scenario *s, size_t *cap, const rs_scripted *ev, const char *target,
                            const char *key)
{
    if (s->n_events == *cap) {
        size_t n = *cap ? 2 * *cap : 16;
        rs_scripted *e = realloc(s->events, n * sizeof *e);
        if (!e)
            RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
        s->events = e;
        *cap = n;
    }
    rs_scripted *e = &s->events[s->n_events];
    *e = *ev;
    char label[300];
    if (ev->run_ref)
        snprintf(label, sizeof label, "%s: run", target);
    else
        snprintf(label, sizeof label, "%s.%s = %.10g", target, key, ev->value);
    if (!(e->label = strdup(label)))
        RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
    s->n_events++;
    return RS_OK;
}

#define RS_MAX_EVENTS 1000000

/* events = { { at = t, set = { version = "v" | segment = "s", key = "...", value = x } }, ... }.
 * With `every = d` (and optionally `to`, default the horizon), the change repeats from `at` every d hours; `value` may then be
 * a function(t) evaluated at each time, at load (drift, user adaptation): the simulation never calls Lua for
 * it. */
static rs_status read_events(reader *r, int top, rs_scenario *s)
{
    lua_State *L = r->L;
    int idx, there = open_optional_table(r, top, "events", "a list of { at = t, set = {...} }", &idx);
    if (there <= 0)
        return there < 0 ? RS_ERR_INPUT : RS_OK;
    rs_status st = RS_OK;
    size_t n = (size_t)lua_rawlen(L, idx), cap = 0;
    if (n > RS_MAX_EVENTS) { /* before any work on them */
        lua_pop(L, 1);
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: events: %zu events; at most %d scripted changes are supported", r->file,
                n, RS_MAX_EVENTS);
    }
    for (size_t i = 0; i < n && !st; i++) {
        char path[64], sub[96];
        snprintf(path, sizeof path, "events.%zu", i + 1);
        snprintf(sub, sizeof sub, "%s.set", path);
        raw_index(L, idx, (lua_Integer)i + 1);
        int e = lua_gettop(L);
        rs_scripted ev = {0};
        double every = 0, until_t = s->horizon;
        char *target = NULL, *key = NULL;
        if (!lua_istable(L, e))
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected { at = t, set = {...} }, got %s", r->file, path,
                        type_of(L, e));
        if (!st)
            st = check_keys(r, e, path, event_keys, sizeof event_keys / sizeof *event_keys);
        if (!st)
            st = get_number(r, e, path, "at", 1, 0, 0, 1e7, 0, 1, &ev.at);
        raw_field(L, e, "run");
        int has_run = !lua_isnil(L, -1), run_is_fn = lua_isfunction(L, -1);
        lua_pop(L, 1);
        if (!st && has_run) { /* run = function(sim): called during the simulation, at each time */
            raw_field(L, e, "set");
            int has_set = !lua_isnil(L, -1);
            lua_pop(L, 1);
            if (!run_is_fn || has_set)
                st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.run: expected a function(sim), and no `set` beside it",
                            r->file, path);
            if (!st)
                st = get_number(r, e, path, "every", 0, 0, 1e-6, 1e7, 0, 1, &every);
            if (!st)
                st = get_number(r, e, path, "to", 0, s->horizon, 0, 1e7, 0, 1, &until_t);
            size_t count =
                every > 0 && until_t >= ev.at ? (size_t)floor((until_t - ev.at) / every * (1 + 1e-12)) + 1 : 1;
            if (!st && s->n_events + count > RS_MAX_EVENTS)
                st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: more than %d scripted changes; raise `every`", r->file,
                            path, RS_MAX_EVENTS);
            if (!st) {
                raw_field(L, e, "run");
                ev.run_ref = luaL_ref(L, LUA_REGISTRYINDEX);
                r->keep_state = 1;
            }
            double at0 = ev.at;
            for (size_t k = 0; k < count && !st; k++) {
                ev.at = at0 + (double)k * every;
                st = push_event(r, s, &cap, &ev, path, "run");
            }
            lua_pop(L, 1);
            continue;
        }
        if (!st)
            st = get_number(r, e, path, "every", 0, 0, 1e-6, 1e7, 0, 1, &every);
        if (!st)
            st = get_number(r, e, path, "to", 0, s->horizon, 0, 1e7, 0, 1, &until_t);
        raw_field(L, e, "set");
        int t = lua_gettop(L);
        if (!st && !lua_istable(L, t))
            st = RS_SET(r->err, RS_ERR_INPUT,
                        "%s: %s: expected { version = \"name\", key = \"error_rate\", value = x } or "
                        "{ segment = \"name\", key = \"rate\", value = x }",
                        r->file, sub);
        if (!st)
            st = check_keys(r, t, sub, set_keys, sizeof set_keys / sizeof *set_keys);
        if (!st) {
            raw_field(L, t, "segment");
            ev.is_segment = !lua_isnil(L, -1);
            lua_pop(L, 1);
            st = get_string(r, t, sub, ev.is_segment ? "segment" : "version", 1, NULL, &target);
        }
        if (!st)
            st = get_string(r, t, sub, "key", 1, NULL, &key);
        if (!st) {
            long k = ev.is_segment ? find_segment(s, target) : find_version(s, target);
            if (k < 0)
                st = unknown_name(r, s, sub, target, ev.is_segment);
            ev.index = (size_t)(k < 0 ? 0 : k);
        }
        if (!st) {
            if (ev.is_segment && !strcmp(key, "rate"))
                ev.key = RS_KEY_RATE;
            else if (!ev.is_segment && !strcmp(key, "error_rate"))
                ev.key = RS_KEY_ERROR_RATE;
            else if (!ev.is_segment && !strcmp(key, "success_rate"))
                ev.key = RS_KEY_SUCCESS_RATE;
            else
                st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.key: \"%s\" cannot be set (a version's error_rate or "
                            "success_rate, or a segment's rate)", r->file, sub, key);
        }
        double hi = ev.key == RS_KEY_RATE ? 1e9 : 1;
        raw_field(L, t, "value");
        int is_fn = lua_isfunction(L, -1);
        lua_pop(L, 1);
        if (!st && is_fn && every <= 0)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.value: a function of time needs `every` (how often to apply "
                        "it) in %s", r->file, sub, path);
        if (!st && !is_fn)
            st = get_number(r, t, sub, "value", 1, 0, 0, hi, 0, 0, &ev.value);
        size_t count = every > 0 && until_t >= ev.at ? (size_t)floor((until_t - ev.at) / every * (1 + 1e-12)) + 1 : 1;
        if (!st && s->n_events + count > RS_MAX_EVENTS)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: more than %d scripted changes; raise `every`", r->file, path,
                        RS_MAX_EVENTS);
        double at0 = ev.at;
        for (size_t k = 0; k < count && !st; k++) {
            ev.at = at0 + (double)k * every;
            if (is_fn) { /* value = function(t): evaluated here, once per time, under the instruction budget */
                raw_field(L, t, "value");
                lua_pushnumber(L, ev.at);
                int rc = budgeted_pcall(L, 1, 1, 0);
                if (rc != LUA_OK) {
                    char msg[512];
                    snprintf(msg, sizeof msg, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
                    first_line(msg);
                    st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.value(%g): %s", r->file, sub, ev.at, msg);
                } else if (lua_type(L, -1) != LUA_TNUMBER || !(lua_tonumber(L, -1) >= 0 && lua_tonumber(L, -1) <= hi)) {
                    char got[64];
                    if (lua_type(L, -1) == LUA_TNUMBER)
                        snprintf(got, sizeof got, "%.10g", lua_tonumber(L, -1));
                    else
                        snprintf(got, sizeof got, "%s", type_of(L, -1));
                    st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.value(%g): expected a number in [0, %.10g], got %s",
                                r->file, sub, ev.at, hi, got);
                } else {
                    ev.value = lua_tonumber(L, -1);
                }
                lua_pop(L, 1);
            }
            if (!st)
                st = push_event(r, s, &cap, &ev, target, key);
        }
        free(target);
        free(key);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    for (size_t i = 0; i < s->n_events; i++)
        s->events[i].order = i;
    if (!st && s->n_events) /* by time; the order written breaks ties (qsort wants a non-null array even when empty) */
        qsort(s->events, s->n_events, sizeof *s->events, cmp_event);
    return st;
}

/* `outputs = { curves = "all" | N }`: how many replications curves.csv holds (default 10). */
static rs_status read_outputs(reader *r, int top, rs_scenario *s)
{
    lua_State *L = r->L;
    s->curves_reps = 10;
    raw_field(L, top, "outputs");
    int idx = lua_gettop(L);
    rs_status st = RS_OK;
    if (!lua_isnil(L, idx) && !lua_istable(L, idx))
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: outputs: expected a table such as { curves = \"all\" }, got %s",
                    r->file, type_of(L, idx));
    if (!st && lua_istable(L, idx)) {
        static const char *const keys[] = {"curves"};
        st = check_keys(r, idx, "outputs", keys, 1);
        raw_field(L, idx, "curves");
        if (!st && lua_type(L, -1) == LUA_TSTRING && !strcmp(lua_tostring(L, -1), "all")) {
            s->curves_reps = UINT64_MAX;
        } else if (!st && lua_type(L, -1) == LUA_TSTRING) {
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: outputs.curves: expected \"all\" or a number of replications, got "
                        "\"%s\"", r->file, lua_tostring(L, -1));
        } else if (!st && !lua_isnil(L, -1)) {
            double n;
            st = get_number(r, idx, "outputs", "curves", 0, 10, 0, 16777216, 1, 0, &n);
            s->curves_reps = (uint64_t)n;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return st;
}

/* ---- quality and labels (issue 16) ------------------------------------------------------------------- */

static const char *const quality_key_names[] = {"specificity", "false_positive_rate", "precision", "accuracy", "f1"};
static const char *const labels_keys[] = {"fraction", "delay", "feedback"};
static const char *const feedback_keys[] = {"fraction", "delay", "up_if_right", "up_if_wrong"};

/* A delay law (hours): a number or duration (fixed), exponential(mean), lognormal(mu, sigma) (of the hours'
 * logarithm), or a choice{} of fixed delays. */
static rs_status get_delay(reader *r, int idx, const char *path, const char *key, rs_dist *out)
{
    lua_State *L = r->L;
    lua_getfield(L, idx, key);
    int is_table = lua_istable(L, -1);
    lua_pop(L, 1);
    memset(out, 0, sizeof *out);
    if (!is_table) {
        out->kind = RS_DIST_FIXED;
        return get_number(r, idx, path, key, 0, 0, 0, 1e7, 0, 1, &out->a);
    }
    rs_status st = get_dist(r, idx, path, key, 0, 0, 0, 1e7, out);
    if (!st && out->kind != RS_DIST_FIXED && out->kind != RS_DIST_EXPONENTIAL && out->kind != RS_DIST_LOGNORMAL &&
        out->kind != RS_DIST_CHOICE)
        st = RS_SET(r->err, RS_ERR_INPUT,
                    "%s: %s.%s: expected a delay: hours, exponential(mean), lognormal(mu, sigma) or a choice{} of "
                    "delays", r->file, path, key);
    return st;
}

/* labels = { fraction = w, delay = ..., feedback = { fraction, delay, up_if_right, up_if_wrong } } at the
 * table idx's field "labels"; *out is left as it is when absent. */
static rs_status get_labels(reader *r, int idx, const char *path, rs_labels *out)
{
    lua_State *L = r->L;
    lua_getfield(L, idx, "labels");
    int t = lua_gettop(L);
    char sub[96];
    snprintf(sub, sizeof sub, "%s%slabels", path, *path ? "." : "");
    rs_status st = RS_OK;
    if (lua_isnil(L, t)) {
        lua_pop(L, 1);
        return RS_OK;
    }
    if (!lua_istable(L, t))
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected { fraction = share of labelled requests, delay = hours "
                    "or a law }, got %s", r->file, sub, type_of(L, t));
    rs_labels l = {0};
    if (!st)
        st = check_keys(r, t, sub, labels_keys, sizeof labels_keys / sizeof *labels_keys);
    if (!st)
        st = get_number(r, t, sub, "fraction", 1, 0, 0, 1, 0, 0, &l.fraction);
    if (!st)
        st = get_delay(r, t, sub, "delay", &l.delay);
    if (!st) {
        lua_getfield(L, t, "feedback");
        int f = lua_gettop(L);
        char fsub[128];
        snprintf(fsub, sizeof fsub, "%s.feedback", sub);
        if (lua_istable(L, f)) {
            st = check_keys(r, f, fsub, feedback_keys, sizeof feedback_keys / sizeof *feedback_keys);
            if (!st)
                st = get_number(r, f, fsub, "fraction", 1, 0, 0, 1, 0, 0, &l.feedback);
            if (!st)
                st = get_delay(r, f, fsub, "delay", &l.feedback_delay);
            if (!st)
                st = get_number(r, f, fsub, "up_if_right", 1, 0, 0, 1, 0, 0, &l.up_if_right);
            if (!st)
                st = get_number(r, f, fsub, "up_if_wrong", 1, 0, 0, 1, 0, 0, &l.up_if_wrong);
        } else if (!lua_isnil(L, f)) {
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s: expected { fraction = ..., up_if_right = ..., up_if_wrong = "
                        "... }, got %s", r->file, fsub, type_of(L, f));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (st) {
        free(l.delay.p), free(l.delay.v), free(l.feedback_delay.p), free(l.feedback_delay.v);
        return st;
    }
    free(out->delay.p), free(out->delay.v), free(out->feedback_delay.p), free(out->feedback_delay.v);
    *out = l;
    return RS_OK;
}

/* A copy of a delay law (the scenario's, for a segment that does not give its own). */
static rs_status copy_dist(reader *r, const rs_dist *from, rs_dist *to)
{
    *to = *from;
    to->p = to->v = NULL;
    if (from->kind != RS_DIST_CHOICE)
        return RS_OK;
    to->p = malloc(from->n * sizeof *to->p);
    to->v = malloc(from->n * sizeof *to->v);
    if (!to->p || !to->v)
        RS_FAIL(r->err, RS_ERR_RUNTIME, "out of memory");
    memcpy(to->p, from->p, from->n * sizeof *to->p);
    memcpy(to->v, from->v, from->n * sizeof *to->v);
    return RS_OK;
}

/* The quality model: prevalence, each version's recall with exactly one key that fixes its specificity
 * (specificity, false_positive_rate, or precision, accuracy, f1 at the scenario's prevalence), and labels per
 * scenario or segment. Scenarios without any of these keys are left as they were. */
static rs_status read_quality(reader *r, int top, rs_scenario *s)
{
    lua_State *L = r->L;
    rs_status st = RS_OK;
    lua_getfield(L, top, "versions");
    int vl = lua_gettop(L);
    for (size_t i = 0; i < s->n_versions && !st; i++) {
        lua_geti(L, vl, (lua_Integer)i + 1);
        int idx = lua_gettop(L);
        char path[64];
        snprintf(path, sizeof path, "versions.%zu", i + 1);
        rs_version *v = &s->versions[i];
        int given = -1, n_given = 0, has_recall;
        char names[160] = "";
        for (int k = 0; k < 5; k++) {
            lua_getfield(L, idx, quality_key_names[k]);
            if (!lua_isnil(L, -1)) {
                given = given < 0 ? k : given;
                n_given++;
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", n_given > 1 ? ", " : "",
                         quality_key_names[k]);
            }
            lua_pop(L, 1);
        }
        lua_getfield(L, idx, "recall");
        has_recall = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (n_given > 1)
            st = RS_SET(r->err, RS_ERR_INPUT,
                        "%s: %s: give one key besides recall that fixes the false positives (specificity, "
                        "false_positive_rate, precision, accuracy or f1), got %s: together they may disagree",
                        r->file, path, names);
        else if (n_given && !has_recall)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.recall: missing (with %s, recall is what determines the "
                        "version's quality)", r->file, path, names);
        else if (has_recall && !n_given)
            st = RS_SET(r->err, RS_ERR_INPUT,
                        "%s: %s: recall alone leaves the false positives open; give specificity (or "
                        "false_positive_rate, precision, accuracy, f1) too", r->file, path);
        v->quality_key = -1;
        if (!st && has_recall) {
            v->quality_key = given;
            st = get_dist(r, idx, path, "recall", 1, 0, 0, 1, &v->recall);
            if (!st)
                st = get_dist(r, idx, path, quality_key_names[given], 1, 0, 0, 1, &v->quality_x);
            s->quality++;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (st)
        return st;
    for (size_t i = 0; s->quality && i < s->n_versions; i++)
        if (s->versions[i].quality_key < 0)
            RS_FAIL(r->err, RS_ERR_INPUT,
                    "%s: versions.%zu.recall: missing (some versions model quality, so every one needs recall and "
                    "specificity)", r->file, i + 1);
    s->quality = s->quality > 0;
    lua_getfield(L, top, "prevalence");
    int has_prev = !lua_isnil(L, -1);
    lua_pop(L, 1);
    s->prevalence = NAN;
    if (has_prev && !s->quality)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: prevalence: no version models quality (give each version recall and "
                "specificity)", r->file);
    if (s->quality && !has_prev)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: prevalence: missing (the share of positive requests, in [0, 1]; the "
                "versions give recall)", r->file);
    if (s->quality)
        st = get_number(r, top, "", "prevalence", 1, 0, 0, 1, 0, 0, &s->prevalence);
    rs_labels base = {0};
    if (!st)
        st = get_labels(r, top, "", &base);
    lua_getfield(L, top, "population");
    int pl = lua_gettop(L);
    for (size_t i = 0; i < s->n_segments && !st; i++) {
        rs_segment *g = &s->segments[i];
        lua_geti(L, pl, (lua_Integer)i + 1);
        int idx = lua_gettop(L);
        char path[64];
        snprintf(path, sizeof path, "population.%zu", i + 1);
        g->prevalence = s->prevalence;
        st = get_number(r, idx, path, "prevalence", 0, s->prevalence, 0, 1, 0, 0, &g->prevalence);
        g->labels = base;
        g->labels.delay.p = g->labels.delay.v = g->labels.feedback_delay.p = g->labels.feedback_delay.v = NULL;
        if (!st)
            st = copy_dist(r, &base.delay, &g->labels.delay);
        if (!st)
            st = copy_dist(r, &base.feedback_delay, &g->labels.feedback_delay);
        if (!st)
            st = get_labels(r, idx, path, &g->labels);
        lua_getfield(L, idx, "prevalence");
        int seg_prev = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (!st && seg_prev && !s->quality)
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s.prevalence: no version models quality (give each version "
                        "recall and specificity)", r->file, path);
        if (!st && (g->labels.fraction > 0 || g->labels.feedback > 0)) {
            lua_getfield(L, idx, "labels");
            int own = !lua_isnil(L, -1);
            lua_pop(L, 1);
            if (!s->quality)
                st = RS_SET(r->err, RS_ERR_INPUT, "%s: %s%slabels: labels measure quality, and no version models "
                            "it (give each version recall and specificity, and the scenario a prevalence)", r->file,
                            own ? path : "", own ? "." : "");
            s->has_labels = 1;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    free(base.delay.p), free(base.delay.v), free(base.feedback_delay.p), free(base.feedback_delay.v);
    if (st)
        return st;
    for (size_t i = 0; i < s->n_versions && s->quality; i++) { /* fixed keys: checked once here */
        const rs_version *v = &s->versions[i];
        if (v->recall.kind == RS_DIST_FIXED && v->quality_x.kind == RS_DIST_FIXED &&
            isnan(rs_quality_specificity(v->quality_key, s->prevalence, v->recall.a, v->quality_x.a)))
            RS_FAIL(r->err, RS_ERR_INPUT,
                    "%s: versions.%zu.%s: %.10g cannot be reached with recall %.10g at prevalence %.10g (no "
                    "specificity in [0, 1] gives it)", r->file, i + 1, quality_key_names[v->quality_key],
                    v->quality_x.a, v->recall.a, s->prevalence);
    }
    return RS_OK;
}

/* mode = "exact" | "cohort" and the cohort step dt (SPEC §9, issue 11). dt is checked here for what the
 * scenario alone decides (a positive finite duration, a bounded number of steps); that it divides every time
 * the scenario asks for is checked by the simulation, which knows the policy's times (core/sim.c). */
static rs_status read_mode(reader *r, int top, rs_scenario *s)
{
    static const char *const modes[] = {"exact", "cohort"};
    char *mode = NULL;
    rs_status st = get_string(r, top, "", "mode", 0, "exact", &mode);
    if (!st) {
        if (!strcmp(mode, "exact"))
            s->mode = RS_MODE_EXACT;
        else if (!strcmp(mode, "cohort"))
            s->mode = RS_MODE_COHORT;
        else {
            char hint[96];
            rs_suggest_hint(mode, modes, 2, hint, sizeof hint);
            st = RS_SET(r->err, RS_ERR_INPUT, "%s: mode: unknown mode \"%s\"%s (expected \"exact\" or \"cohort\")",
                        r->file, mode, hint);
        }
    }
    free(mode);
    if (!st)
        st = get_number(r, top, "", "dt", 0, 0, 1e-9, 1e7, 0, 1, &s->dt);
    if (!st && s->dt > 0 && s->mode != RS_MODE_COHORT)
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: dt: the step applies to mode = \"cohort\" only (this scenario runs in "
                    "mode \"exact\")", r->file);
    if (!st && s->dt > 0 && s->horizon / s->dt > 1e7)
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: dt: %g h gives more than 10^7 steps over a horizon of %g h", r->file,
                    s->dt, s->horizon);
    return st;
}

/* Exact mode simulates every request: a workload that would take hours is refused before any work, with the way
 * around it (SPEC §9, §10). The expected count is users x rate x horizon per segment (the daily cycle averages
 * to 1); scripted rate changes are not foreseen here, and the stop flag bounds what they cost. */
#define RS_MAX_EXACT_REQUESTS 1e10       /* a replication: minutes at 10^8 requests a second */
#define RS_MAX_EXACT_TOTAL_REQUESTS 1e12 /* all replications of one policy */
static rs_status check_workload(reader *r, const rs_scenario *s)
{
    if (s->mode != RS_MODE_EXACT)
        return RS_OK;
    double per_rep = 0;
    for (size_t g = 0; g < s->n_segments; g++)
        per_rep += (double)s->segments[g].users * s->segments[g].rate * s->horizon;
    if (per_rep > RS_MAX_EXACT_REQUESTS)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: population: exact mode would simulate about %.3g requests a replication "
                "(users x rate x horizon), more than 10^10; use mode = \"cohort\", which draws counts per step",
                r->file, per_rep);
    if (per_rep * (double)s->replications > RS_MAX_EXACT_TOTAL_REQUESTS)
        RS_FAIL(r->err, RS_ERR_INPUT, "%s: replications: exact mode would simulate about %.3g requests in all "
                "(%.3g a replication x %llu), more than 10^12; use mode = \"cohort\", or fewer replications",
                r->file, per_rep * (double)s->replications, per_rep, (unsigned long long)s->replications);
    return RS_OK;
}

static rs_status convert(reader *r, int top, rs_scenario *s)
{
    rs_status st = check_keys(r, top, "", top_keys, sizeof top_keys / sizeof *top_keys);
    if (!st)
        st = read_outputs(r, top, s);
    if (!st)
        st = get_string(r, top, "", "name", 0, "unnamed scenario", &s->name);
    if (!st)
        st = get_string(r, top, "", "description", 0, "", &s->description);
    double seed = 0, reps = 0;
    if (!st)
        st = get_number(r, top, "", "seed", 0, 1, 0, 9007199254740991.0, 1, 0, &seed);
    if (!st)
        st = get_number(r, top, "", "replications", 0, 1, 1, 16777216, 1, 0, &reps); /* 2^24: see rng.h */
    if (!st)
        st = get_number(r, top, "", "horizon", 1, 0, 1e-9, 1e7, 0, 1, &s->horizon);
    if (!st)
        st = get_number(r, top, "", "sample_every", 0, 1, 1e-9, 1e7, 0, 1, &s->sample_every);
    s->seed = (uint64_t)seed;
    s->replications = (uint64_t)reps;
    if (!st && s->horizon / s->sample_every > 1e7)
        st = RS_SET(r->err, RS_ERR_INPUT, "%s: sample_every: %g h gives more than 10^7 samples over a horizon of %g h",
                    r->file, s->sample_every, s->horizon);
    if (!st)
        st = read_mode(r, top, s);
    if (!st)
        st = read_population(r, top, s);
    if (!st)
        st = read_versions(r, top, s);
    if (!st)
        st = read_effects(r, top, s);
    if (!st)
        st = read_quality(r, top, s);
    if (!st)
        st = read_events(r, top, s);
    if (!st)
        st = read_policy(r, top, s);
    if (!st)
        st = read_policies(r, top, s);
    if (!st)
        st = check_workload(r, s);
    return st;
}

/* The host's part of loading, run inside lua_pcall (a table that cannot be read, or the host running out of
 * memory, is then an error message, not an abort). Stack: the job (light userdata), the returned table. */
typedef struct convert_job {
    const char *chunk_name;
    const char *const *sets;
    size_t n_sets;
    rs_scenario *out;
    rs_error *err;
    rs_status st;
    int keep_state;
} convert_job;

static int protected_convert(lua_State *L)
{
    convert_job *cj = lua_touserdata(L, 1);
    lua_settop(L, 2);
    for (size_t i = 0; i < cj->n_sets && !cj->st; i++)
        cj->st = apply_set(L, cj->chunk_name, cj->sets[i], cj->err);
    if (!cj->st) {
        reader r = {L, cj->chunk_name, cj->err, 0};
        cj->st = convert(&r, 2, cj->out);
        cj->keep_state = r.keep_state;
    }
    return 0;
}

static rs_status load_string(const char *text, size_t len, const char *chunk_name, const char *const *sets,
                             size_t n_sets, int keep_source, rs_scenario *out, rs_error *err)
{
    memset(out, 0, sizeof *out);
    lua_limits *lim = calloc(1, sizeof *lim); /* the allocator's state; lives as long as the Lua state */
    if (!lim || !(out->file = strdup(chunk_name))) {
        free(lim);
        RS_FAIL(err, RS_ERR_RUNTIME, "out of memory");
    }
    lua_State *L = new_state(lim);
    if (!L) {
        free(lim);
        rs_scenario_free(out);
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot create a Lua state");
    }
    char chunk[512];
    snprintf(chunk, sizeof chunk, "@%s", chunk_name);
    rs_status st = RS_OK;
    lua_pushcfunction(L, traceback_handler);
    int handler = lua_gettop(L);
    int rc = luaL_loadbufferx(L, text, len, chunk, "t");
    if (rc == LUA_OK)
        rc = budgeted_pcall(L, 0, 1, handler);
    if (rc != LUA_OK) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(no message)");
        first_line(msg);
        if (rc == LUA_ERRMEM)
            st = RS_SET(err, RS_ERR_INPUT, "%s: scenario stopped: it used more than %zu MiB of memory", chunk_name,
                        RS_LUA_MEMORY_CAP >> 20);
        else if (rc == LUA_ERRSYNTAX)
            st = RS_SET(err, RS_ERR_INPUT, "%s", msg);
        else if (!strncmp(msg, chunk_name, strlen(chunk_name)))
            st = RS_SET(err, RS_ERR_INPUT, "%s", msg);
        else
            st = RS_SET(err, RS_ERR_INPUT, "%s: %s", chunk_name, msg);
    } else if (!lua_istable(L, -1)) {
        st = RS_SET(err, RS_ERR_INPUT, "%s: the scenario must return a table (got %s)", chunk_name,
                    luaL_typename(L, -1));
    }
    convert_job cj = {chunk_name, sets, n_sets, out, err, RS_OK, 0};
    if (!st) {
        lim->host = 1; /* conversion is ours: neither budgeted nor capped (it runs no scenario code) */
        lua_pushcfunction(L, protected_convert);
        lua_pushlightuserdata(L, &cj);
        lua_pushvalue(L, -3);
        rc = lua_pcall(L, 2, 0, 0);
        lim->host = 0;
        if (rc != LUA_OK)
            st = RS_SET(err, rc == LUA_ERRMEM ? RS_ERR_RUNTIME : RS_ERR_INPUT, "%s: cannot read the scenario: %s",
                        chunk_name, lua_tostring(L, -1) ? lua_tostring(L, -1) : "out of memory");
        else
            st = cj.st;
    }
    if (!st && cj.keep_state) {
        pthread_mutex_t *lock = malloc(sizeof *lock);
        if (!lock)
            st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
        else {
            pthread_mutex_init(lock, NULL);
            lua_settop(L, 0);
            /* Functions called during the run (bad, policy) must not keep state in globals: with a fresh state
             * for each replication it would not carry over anyway, so say so at once. */
            if (luaL_loadstring(L, "setmetatable(_G, { __newindex = function(_, k) error(\"global '\" .. "
                                   "tostring(k) .. \"' cannot be set while the simulation runs (keep state in "
                                   "the policy's second argument)\", 2) end })") ||
                lua_pcall(L, 0, 0, 0))
                lua_settop(L, 0);
            out->lua = L;
            out->lua_lock = lock;
            L = NULL;
            /* What a replication needs to build its own fresh state (rs_scenario_rep_begin). */
            if (keep_source) {
                out->lua_source = malloc(len ? len : 1);
                out->lua_sets = calloc(n_sets + 1, sizeof *out->lua_sets);
                if (!out->lua_source || !out->lua_sets)
                    st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
                else
                    memcpy(out->lua_source, text, len);
                out->lua_source_len = len;
                for (size_t i = 0; i < n_sets && !st; i++, out->lua_n_sets++)
                    if (!(out->lua_sets[i] = strdup(sets[i])))
                        st = RS_SET(err, RS_ERR_RUNTIME, "out of memory");
            }
        }
    }
    if (L) {
        lua_close(L);
        free(lim);
    }
    if (st)
        rs_scenario_free(out);
    return st;
}

rs_status rs_scenario_load_string(const char *text, size_t len, const char *chunk_name, const char *const *sets,
                                  size_t n_sets, rs_scenario *out, rs_error *err)
{
    return load_string(text, len, chunk_name, sets, n_sets, 1, out, err);
}

rs_status rs_scenario_load(const char *path, const char *const *sets, size_t n_sets, rs_scenario *out,
                           rs_error *err)
{
    if (!path)
        return rs_scenario_load_string(rs_builtin_quickstart, rs_builtin_quickstart_len,
                                       "quickstart.lua (built-in)", sets, n_sets, out, err);
    FILE *f = fopen(path, "rb");
    if (!f)
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot open scenario: %s", path, strerror(errno));
    struct stat st_;
    if (fstat(fileno(f), &st_) == 0 && S_ISDIR(st_.st_mode)) {
        fclose(f);
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot read scenario: %s", path, strerror(EISDIR));
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? 2 * cap : 65536;
            if (cap > ((size_t)64 << 20)) {
                free(text);
                fclose(f);
                RS_FAIL(err, RS_ERR_INPUT, "%s: scenario file larger than 64 MiB", path);
            }
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                RS_FAIL(err, RS_ERR_RUNTIME, "out of memory reading %s", path);
            }
            text = t;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        RS_FAIL(err, RS_ERR_INPUT, "%s: cannot read scenario", path);
    }
    rs_status st = rs_scenario_load_string(text, len, path, sets, n_sets, out, err);
    free(text);
    return st;
}

void rs_scenario_free(rs_scenario *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_segments; i++) {
        free(s->segments[i].name);
        free(s->segments[i].error_effect);
        free(s->segments[i].success_effect);
        free(s->segments[i].latency_effect);
    }
    for (size_t i = 0; i < s->n_events; i++)
        free(s->events[i].label);
    free(s->events);
    for (size_t i = 0; i < s->n_versions; i++) {
        free(s->versions[i].name);
        free(s->versions[i].error_rate.p);
        free(s->versions[i].error_rate.v);
        free(s->versions[i].success_rate.p);
        free(s->versions[i].success_rate.v);
        free(s->versions[i].recall.p);
        free(s->versions[i].recall.v);
        free(s->versions[i].quality_x.p);
        free(s->versions[i].quality_x.v);
    }
    for (size_t i = 0; i < s->n_segments; i++) {
        free(s->segments[i].labels.delay.p);
        free(s->segments[i].labels.delay.v);
        free(s->segments[i].labels.feedback_delay.p);
        free(s->segments[i].labels.feedback_delay.v);
    }
    if (s->lua) {
        void *lim;
        lua_getallocf(s->lua, &lim);
        lua_close(s->lua);
        free(lim);
        pthread_mutex_destroy(s->lua_lock);
        free(s->lua_lock);
    }
    free(s->lua_source);
    for (size_t i = 0; i < s->lua_n_sets; i++)
        free(s->lua_sets[i]);
    free(s->lua_sets);
    free(s->segments);
    free(s->versions);
    free(s->file);
    free(s->name);
    free(s->description);
    free(s->policy_name);
    rs_value_clear(&s->policy);
    for (size_t i = 0; i < s->n_policies; i++) {
        free(s->policy_labels[i]);
        free(s->policy_plugins ? s->policy_plugins[i] : NULL);
        if (s->policy_params)
            rs_value_clear(&s->policy_params[i]);
    }
    free(s->policy_labels);
    free(s->policy_plugins);
    free(s->policy_params);
    memset(s, 0, sizeof *s);
}

double rs_dist_mean(const rs_dist *d)
{
    switch (d->kind) {
    case RS_DIST_FIXED: return d->a;
    case RS_DIST_BETA: return d->a / (d->a + d->b);
    case RS_DIST_UNIFORM: return (d->a + d->b) / 2;
    case RS_DIST_NORMAL: return d->a;
    case RS_DIST_LOGNORMAL: return exp(d->a + d->b * d->b / 2);
    case RS_DIST_EXPONENTIAL: return d->a;
    case RS_DIST_CHOICE: {
        double m = 0;
        for (size_t i = 0; i < d->n; i++)
            m += d->p[i] * d->v[i];
        return m;
    }
    }
    return NAN;
}

double rs_dist_draw(const rs_dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case RS_DIST_FIXED: return d->a;
    case RS_DIST_BETA: return gsl_ran_beta(r, d->a, d->b);
    case RS_DIST_UNIFORM: return gsl_ran_flat(r, d->a, d->b);
    case RS_DIST_NORMAL: return d->a + gsl_ran_gaussian(r, d->b);
    case RS_DIST_LOGNORMAL: return gsl_ran_lognormal(r, d->a, d->b);
    case RS_DIST_EXPONENTIAL: return gsl_ran_exponential(r, d->a);
    case RS_DIST_CHOICE: {
        double u = gsl_rng_uniform(r), c = 0;
        for (size_t i = 0; i + 1 < d->n; i++) {
            c += d->p[i];
            if (u < c)
                return d->v[i];
        }
        return d->v[d->n - 1];
    }
    }
    return NAN;
}

rs_status rs_scenario_draw(const rs_scenario *s, gsl_rng *r, uint32_t rep, rs_version_draw *draws, rs_error *err)
{
    for (size_t v = 0; v < s->n_versions; v++) {
        /* Both parameters of every version are drawn, in order, whether random or not: adding a prior to one
         * version does not shift the draws of another. */
        double e = rs_dist_draw(&s->versions[v].error_rate, r), q = rs_dist_draw(&s->versions[v].success_rate, r);
        if (!(e >= 0 && e <= 1) || !(q >= 0 && q <= 1))
            RS_FAIL(err, RS_ERR_INPUT,
                    "%s: versions.%zu.%s: replication %u drew %.6g, outside [0, 1] (a probability needs a prior "
                    "on [0, 1], such as beta(a, b))",
                    s->file, v + 1, !(e >= 0 && e <= 1) ? "error_rate" : "success_rate", rep,
                    !(e >= 0 && e <= 1) ? e : q);
        draws[v].error_rate = e;
        draws[v].success_rate = q;
        draws[v].recall = draws[v].specificity = NAN;
    }
    /* Quality after every version's rates, and only when modelled: scenarios without it draw as before. */
    for (size_t v = 0; s->quality && v < s->n_versions; v++) {
        const rs_version *ver = &s->versions[v];
        double rc = rs_dist_draw(&ver->recall, r), x = rs_dist_draw(&ver->quality_x, r);
        double sp = rc >= 0 && rc <= 1 ? rs_quality_specificity(ver->quality_key, s->prevalence, rc, x) : NAN;
        if (!(rc >= 0 && rc <= 1) || isnan(sp))
            RS_FAIL(err, RS_ERR_INPUT,
                    "%s: versions.%zu.%s: replication %u drew %.6g, %s", s->file, v + 1,
                    !(rc >= 0 && rc <= 1) ? "recall" : quality_key_names[ver->quality_key], rep,
                    !(rc >= 0 && rc <= 1) ? rc : x,
                    !(rc >= 0 && rc <= 1) ? "outside [0, 1] (a probability needs a prior on [0, 1], such as beta(a, b))"
                                          : "which no specificity in [0, 1] gives with this recall and prevalence");
        draws[v].recall = rc;
        draws[v].specificity = sp;
    }
    return RS_OK;
}

static void push_version(lua_State *L, const rs_version *v, const rs_version_draw *d)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, v->name);
    lua_setfield(L, -2, "name");
    lua_pushnumber(L, d->error_rate);
    lua_setfield(L, -2, "error_rate");
    lua_pushnumber(L, d->success_rate);
    lua_setfield(L, -2, "success_rate");
    if (!isnan(d->recall)) { /* issue 16: a quality regression can be what makes a candidate bad */
        lua_pushnumber(L, d->recall);
        lua_setfield(L, -2, "recall");
        lua_pushnumber(L, d->specificity);
        lua_setfield(L, -2, "specificity");
    }
}

/* Each replication's own Lua state (SPEC §10): what a `policy`, `bad` or `run` function keeps between calls
 * (upvalues, rawset(_G, ...)) lives only as long as the replication, on the one thread that runs it, so results
 * never depend on --jobs or on the order replications run in. The state is built afresh by running the
 * scenario again; its math.random is seeded from (seed, replication). */
static _Thread_local struct {
    const rs_scenario *origin;
    rs_scenario replica;
} rep_lua;

typedef struct seed_job {
    uint64_t seed;
    uint32_t rep;
} seed_job;

static int protected_seed(lua_State *L)
{
    seed_job *j = lua_touserdata(L, 1);
    if (lua_getfield(L, LUA_REGISTRYINDEX, "rollsim.randomseed") == LUA_TFUNCTION) {
        lua_pushinteger(L, (lua_Integer)(j->seed & 0x7fffffffffffffffULL));
        lua_pushinteger(L, (lua_Integer)j->rep);
        lua_call(L, 2, 0);
    }
    return 0;
}

void rs_scenario_rep_end(const rs_scenario *s)
{
    if (rep_lua.origin && (!s || rep_lua.origin == s)) {
        rs_scenario_free(&rep_lua.replica);
        rep_lua.origin = NULL;
    }
}

rs_status rs_scenario_rep_begin(const rs_scenario *s, uint32_t rep, rs_error *err)
{
    rs_scenario_rep_end(NULL);
    if (!s->lua || !s->lua_source)
        return RS_OK;
    rs_scenario *c = &rep_lua.replica;
    rs_status st = load_string(s->lua_source, s->lua_source_len, s->file, (const char *const *)s->lua_sets,
                               s->lua_n_sets, 0, c, err);
    if (st)
        return st;
    int same = c->lua && c->n_versions == s->n_versions && c->n_events == s->n_events &&
               !c->policy_ref == !s->policy_ref;
    for (size_t v = 0; same && v < s->n_versions; v++)
        same = c->versions[v].bad == s->versions[v].bad;
    for (size_t e = 0; same && e < s->n_events; e++)
        same = !c->events[e].run_ref == !s->events[e].run_ref && c->events[e].at == s->events[e].at;
    if (!same) {
        rs_scenario_free(c);
        RS_FAIL(err, RS_ERR_INPUT, "%s: run again for replication %u, the scenario built a different scenario (does "
                "it depend on something that changes from run to run?)", s->file, rep);
    }
    seed_job j = {s->seed, rep};
    lua_State *L = c->lua;
    lua_pushcfunction(L, protected_seed);
    lua_pushlightuserdata(L, &j);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK)
        lua_settop(L, 0);
    rep_lua.origin = s;
    return RS_OK;
}

const rs_scenario *rs_scenario_lua_for(const rs_scenario *s)
{
    return rep_lua.origin == s ? &rep_lua.replica : s;
}

typedef struct bad_job {
    const rs_scenario *s;
    size_t v;
    const rs_version_draw *draws;
} bad_job;

static int protected_bad(lua_State *L)
{
    bad_job *b = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, b->s->versions[b->v].bad_ref);
    push_version(L, &b->s->versions[b->v], &b->draws[b->v]);
    push_version(L, &b->s->versions[b->s->baseline], &b->draws[b->s->baseline]);
    lua_call(L, 2, 1);
    return 1;
}

int rs_scenario_version_bad(const rs_scenario *s, size_t v, const rs_version_draw *draws, rs_error *err)
{
    if (v == s->baseline)
        return 0;
    const rs_version *ver = &s->versions[v];
    if (ver->bad == 0 || ver->bad == 1)
        return ver->bad;
    if (ver->bad < 0)
        return draws[v].error_rate > draws[s->baseline].error_rate * 1.1;
    const rs_scenario *cur = rs_scenario_lua_for(s);
    lua_State *L = cur->lua;
    pthread_mutex_lock(cur->lua_lock);
    bad_job job = {cur, v, draws};
    lua_pushcfunction(L, protected_bad);
    lua_pushlightuserdata(L, &job);
    int result = -1;
    char msg[sizeof err->msg];
    if (rs_scenario_lua_pcall(cur, 1, 1, msg, sizeof msg) != LUA_OK) {
        RS_SET(err, RS_ERR_INPUT, "%s: versions.%zu.bad: %s", s->file, v + 1, msg);
    } else if (!lua_isboolean(L, -1)) {
        RS_SET(err, RS_ERR_INPUT, "%s: versions.%zu.bad: the function returned %s, expected true or false", s->file,
               v + 1, luaL_typename(L, -1));
    } else {
        result = lua_toboolean(L, -1);
    }
    lua_settop(L, 0);
    pthread_mutex_unlock(cur->lua_lock);
    return result;
}

/* What a `run` event's sim.set and sim.log reach: valid only while that event runs. A script that keeps `sim`
 * and calls it later gets an error, not a pointer into a returned frame. */
typedef struct sim_box {
    const rs_sim_api *api; /* NULL once the event has returned */
    const rs_scenario *s;
} sim_box;

static const rs_sim_api *sim_box_api(lua_State *L, const char *what)
{
    const sim_box *b = lua_touserdata(L, lua_upvalueindex(1));
    if (!b || !b->api)
        luaL_error(L, "%s: this sim belongs to an event that has returned (use the sim that each run event gets)",
                   what);
    return b->api;
}

/* sim.set{ version = "v" | segment = "s", key = "...", value = x } */
static int sim_api_set(lua_State *L)
{
    const rs_sim_api *api = sim_box_api(L, "sim.set");
    const rs_scenario *s = ((const sim_box *)lua_touserdata(L, lua_upvalueindex(1)))->s;
    luaL_checktype(L, 1, LUA_TTABLE);
    raw_field(L, 1, "segment");
    raw_field(L, 1, "version");
    raw_field(L, 1, "key");
    raw_field(L, 1, "value");
    int is_segment = !lua_isnil(L, -4);
    if (lua_type(L, is_segment ? -4 : -3) != LUA_TSTRING || lua_type(L, -2) != LUA_TSTRING ||
        lua_type(L, -1) != LUA_TNUMBER)
        return luaL_error(L, "sim.set: expected { version = \"name\" or segment = \"name\", key = \"...\", "
                             "value = number }");
    const char *target = lua_tostring(L, is_segment ? -4 : -3);
    const char *key = lua_tostring(L, -2);
    long index = is_segment ? find_segment(s, target) : find_version(s, target);
    if (index < 0)
        return luaL_error(L, "sim.set: no %s named \"%s\"", is_segment ? "segment" : "version", target);
    rs_event_key k = !strcmp(key, "error_rate") ? RS_KEY_ERROR_RATE
                     : !strcmp(key, "success_rate") ? RS_KEY_SUCCESS_RATE
                                                    : RS_KEY_RATE;
    if ((k == RS_KEY_RATE) != is_segment || (k == RS_KEY_RATE && strcmp(key, "rate")))
        return luaL_error(L, "sim.set: \"%s\" cannot be set (a version's error_rate or success_rate, or a "
                             "segment's rate)", key);
    char msg[256] = "";
    if (api->set(api->ctx, is_segment, (size_t)index, k, lua_tonumber(L, -1), msg, sizeof msg))
        return luaL_error(L, "sim.set: %s", msg);
    return 0;
}

static int sim_api_log(lua_State *L)
{
    const rs_sim_api *api = sim_box_api(L, "sim.log");
    api->log(api->ctx, luaL_checkstring(L, 1));
    return 0;
}

typedef struct event_job {
    const rs_scenario *s;
    int run_ref;
    double t;
    const rs_sim_api *api;
    int box_ref; /* the sim_box, anchored in the registry until the host has closed it */
} event_job;

static int protected_event(lua_State *L)
{
    event_job *j = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, j->run_ref);
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, j->t);
    lua_setfield(L, -2, "t");
    sim_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->api = j->api;
    box->s = j->s;
    lua_pushvalue(L, -1);
    j->box_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, sim_api_set, 1);
    lua_setfield(L, -3, "set");
    lua_pushcclosure(L, sim_api_log, 1);
    lua_setfield(L, -2, "log");
    lua_call(L, 1, 0);
    return 0;
}

rs_status rs_scenario_run_event(const rs_scenario *s, const rs_scripted *e, double t, const rs_sim_api *api,
                                rs_error *err)
{
    const rs_scenario *cur = rs_scenario_lua_for(s);
    lua_State *L = cur->lua;
    pthread_mutex_lock(cur->lua_lock);
    int base = lua_gettop(L);
    event_job job = {cur, cur == s ? e->run_ref : cur->events[e - s->events].run_ref, t, api, LUA_NOREF};
    lua_pushcfunction(L, protected_event);
    lua_pushlightuserdata(L, &job);
    rs_status st = RS_OK;
    char msg[sizeof err->msg];
    if (rs_scenario_lua_pcall(cur, 1, 0, msg, sizeof msg) != LUA_OK)
        st = RS_SET(err, RS_ERR_RUNTIME, "%s: %s at t = %g h: %s", s->file, e->label, t, msg);
    if (job.box_ref != LUA_NOREF) { /* close the sim: a copy the script kept now refuses to act */
        lua_rawgeti(L, LUA_REGISTRYINDEX, job.box_ref);
        ((sim_box *)lua_touserdata(L, -1))->api = NULL;
        lua_pop(L, 1);
        luaL_unref(L, LUA_REGISTRYINDEX, job.box_ref);
    }
    lua_settop(L, base);
    pthread_mutex_unlock(cur->lua_lock);
    return st;
}

int rs_scenario_lua_pcall(const rs_scenario *s, int nargs, int nresults, char *msg, size_t len)
{
    lua_State *L = s->lua;
    int fn = lua_gettop(L) - nargs; /* the function, under its arguments */
    lua_pushcfunction(L, traceback_handler);
    lua_insert(L, fn);
    int rc = budgeted_pcall(L, nargs, nresults, fn);
    if (rc == LUA_OK) {
        lua_remove(L, fn); /* the handler: the results end where the function was */
        return rc;
    }
    if (rc == LUA_ERRMEM)
        snprintf(msg, len, "ran out of its memory budget (%zu MiB for the scenario's Lua state)",
                 RS_LUA_MEMORY_CAP >> 20);
    else {
        snprintf(msg, len, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(no message)");
        first_line(msg);
    }
    lua_settop(L, fn - 1);
    return rc;
}
