/* The built-in policy that runs a scenario's Lua function `policy(obs, state) -> action` (SPEC §5), for quick
 * experiments and teaching. It goes through the same policy type, observation, action and validation as a
 * plugin. Lua is only called at decisions, never per request; calls are serialised on the scenario's lock,
 * and each replication gets a fresh `state` table, so results do not depend on --jobs.
 *
 *   obs    = { t, first, last_decision, total_users, names = { "base", "cand", ... },
 *              versions = { [name] = { baseline, requests, errors, successes, since = { requests, errors,
 *                                      successes }, users_routed, users_exposed, weight } },
 *              segments = { [name] = { users, weights = { [version] = w } } } }
 *   action = { weights = { [version] = w | { [segment] = w } }, verdict = "continue" | "promote" |
 *              "rollback" | "stop", next = t, stage = k }   -- weights not given keep their value */
#include "luapolicy.h"

#include <lauxlib.h>
#include <lua.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"

typedef struct lp_state {
    const rs_scenario *sc;
    size_t nv, ns;
    const char *const *versions;
    const char *const *segments;
    const uint64_t *segment_users;
    int state_ref; /* this replication's `state` table */
} lp_state;

#define LP_LOCK(sc) pthread_mutex_lock((pthread_mutex_t *)(sc)->lua_lock)
#define LP_UNLOCK(sc) pthread_mutex_unlock((pthread_mutex_t *)(sc)->lua_lock)

/* In a protected call: the replication's `state` table. */
static int protected_new_state(lua_State *L)
{
    lp_state *s = lua_touserdata(L, 1);
    lua_newtable(L);
    s->state_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static int lp_create(void *state, const rs_policy_ctx *ctx, char *err, size_t err_len)
{
    lp_state *s = state;
    s->sc = ctx->host_private;
    if (!s->sc || !s->sc->lua) {
        snprintf(err, err_len, "the lua policy runs only a scenario's policy function");
        return -1;
    }
    s->nv = ctx->n_versions;
    s->ns = ctx->n_segments;
    s->versions = ctx->version_names;
    s->segments = ctx->segment_names;
    s->segment_users = ctx->segment_users;
    s->sc = rs_scenario_lua_for(s->sc); /* this replication's own state, when a run is under way */
    lua_State *L = s->sc->lua;
    LP_LOCK(s->sc);
    lua_pushcfunction(L, protected_new_state);
    lua_pushlightuserdata(L, s);
    char msg[256];
    int rc = rs_scenario_lua_pcall(s->sc, 1, 0, msg, sizeof msg);
    LP_UNLOCK(s->sc);
    if (rc != LUA_OK) {
        s->state_ref = 0;
        snprintf(err, err_len, "the scenario's policy function %s", msg);
        return -1;
    }
    return 0;
}

static void lp_destroy(void *state)
{
    lp_state *s = state;
    if (!s->sc || !s->sc->lua || !s->state_ref)
        return;
    LP_LOCK(s->sc);
    luaL_unref(s->sc->lua, LUA_REGISTRYINDEX, s->state_ref);
    LP_UNLOCK(s->sc);
    s->state_ref = 0;
}

static void set_counts(lua_State *L, const rs_counts *c)
{
    lua_pushinteger(L, (lua_Integer)c->requests);
    lua_setfield(L, -2, "requests");
    lua_pushinteger(L, (lua_Integer)c->errors);
    lua_setfield(L, -2, "errors");
    lua_pushinteger(L, (lua_Integer)c->successes);
    lua_setfield(L, -2, "successes");
}

/* Pushes nothing: sets field `labels` of the table on top to the confusion counts arrived by now. */
static void push_labels(lua_State *L, const rs_confusion *q, uint64_t in_flight)
{
    lua_createtable(L, 0, 7);
    const struct {
        const char *key;
        uint64_t n;
    } f[] = {{"tp", q->tp},
             {"fp", q->fp},
             {"fn", q->fn},
             {"tn", q->tn},
             {"thumbs_up", q->thumbs_up},
             {"thumbs_down", q->thumbs_down},
             {"in_flight", in_flight}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        lua_pushinteger(L, (lua_Integer)f[i].n);
        lua_setfield(L, -2, f[i].key);
    }
    lua_setfield(L, -2, "labels");
}

static void push_obs(lua_State *L, const lp_state *s, const rs_observation *obs)
{
    lua_createtable(L, 0, 8);
    lua_pushnumber(L, obs->t);
    lua_setfield(L, -2, "t");
    lua_pushboolean(L, obs->first);
    lua_setfield(L, -2, "first");
    lua_pushnumber(L, obs->last_decision_t);
    lua_setfield(L, -2, "last_decision");
    lua_pushinteger(L, (lua_Integer)obs->total_users);
    lua_setfield(L, -2, "total_users");
    lua_createtable(L, (int)s->nv, 0);
    for (size_t v = 0; v < s->nv; v++) {
        lua_pushstring(L, s->versions[v]);
        lua_rawseti(L, -2, (lua_Integer)v + 1);
    }
    lua_setfield(L, -2, "names");
    lua_createtable(L, 0, (int)s->nv);
    for (size_t v = 0; v < s->nv; v++) {
        const rs_version_obs *o = &obs->versions[v];
        lua_createtable(L, 0, 8);
        lua_pushboolean(L, o->is_baseline);
        lua_setfield(L, -2, "baseline");
        set_counts(L, &o->total);
        lua_createtable(L, 0, 3);
        set_counts(L, &o->since);
        lua_setfield(L, -2, "since");
        lua_pushinteger(L, (lua_Integer)o->users_routed);
        lua_setfield(L, -2, "users_routed");
        lua_pushinteger(L, (lua_Integer)o->users_exposed);
        lua_setfield(L, -2, "users_exposed");
        lua_pushnumber(L, obs->total_users ? (double)o->users_routed / (double)obs->total_users : 0);
        lua_setfield(L, -2, "weight");
        if (obs->labels) /* what a C plugin sees of the labels (issue 16), absent when the scenario gives none */
            push_labels(L, &obs->labels[v], obs->labels_in_flight ? obs->labels_in_flight[v] : 0);
        lua_setfield(L, -2, s->versions[v]);
    }
    lua_setfield(L, -2, "versions");
    lua_createtable(L, 0, (int)s->ns);
    for (size_t g = 0; g < s->ns; g++) {
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, (lua_Integer)s->segment_users[g]);
        lua_setfield(L, -2, "users");
        lua_createtable(L, 0, (int)s->nv);
        for (size_t v = 0; v < s->nv; v++) {
            lua_pushnumber(L, obs->weights[v * s->ns + g]);
            lua_setfield(L, -2, s->versions[v]);
        }
        lua_setfield(L, -2, "weights");
        lua_setfield(L, -2, s->segments[g]);
    }
    lua_setfield(L, -2, "segments");
}

static long index_of(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return (long)i;
    return -1;
}

#define LP_FAIL(...)                                                                                       \
    do {                                                                                                   \
        snprintf(err, err_len, __VA_ARGS__);                                                               \
        return -1;                                                                                         \
    } while (0)

/* t[key] of the table at idx, raw (a metatable of the script's is not consulted). */
static void raw_get(lua_State *L, int idx, const char *key)
{
    lua_pushstring(L, key);
    lua_rawget(L, idx);
}

/* Reads the action table on top of the stack into act. */
static int read_action(lua_State *L, const lp_state *s, rs_action *act, char *err, size_t err_len)
{
    if (!lua_istable(L, -1))
        LP_FAIL("the policy function returned %s, expected an action table { weights = {...}, next = t }",
                luaL_typename(L, -1));
    int a = lua_gettop(L);
    raw_get(L, a, "weights");
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *vname = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            long v = vname ? index_of(s->versions, s->nv, vname) : -1;
            if (v < 0) {
                lua_pop(L, 2);
                LP_FAIL("action.weights: no version named \"%s\"", vname ? vname : "?");
            }
            if (lua_isnumber(L, -1)) {
                rs_action_set_weight(act, s->ns, (size_t)v, lua_tonumber(L, -1));
            } else if (lua_istable(L, -1)) {
                lua_pushnil(L);
                while (lua_next(L, -2)) {
                    const char *gname = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
                    long g = gname ? index_of(s->segments, s->ns, gname) : -1;
                    if (g < 0 || !lua_isnumber(L, -1)) {
                        lua_pop(L, 4);
                        LP_FAIL("action.weights.%s: expected { segment = weight }, got key \"%s\"", vname,
                                gname ? gname : "?");
                    }
                    act->weights[(size_t)v * s->ns + (size_t)g] = lua_tonumber(L, -1);
                    lua_pop(L, 1);
                }
            } else {
                lua_pop(L, 2);
                LP_FAIL("action.weights.%s: expected a number or { segment = weight }", vname);
            }
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        LP_FAIL("action.weights: expected a table { version = weight }");
    }
    lua_pop(L, 1);
    raw_get(L, a, "verdict");
    const char *verdict = lua_isnil(L, -1) ? "continue" : lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    static const char *const verdicts[] = {"continue", "promote", "rollback", "stop"};
    long k = verdict ? index_of(verdicts, 4, verdict) : -1;
    lua_pop(L, 1);
    if (k < 0)
        LP_FAIL("action.verdict: expected \"continue\", \"promote\", \"rollback\" or \"stop\"");
    act->verdict = (rs_verdict)k;
    raw_get(L, a, "next");
    if (lua_isnumber(L, -1))
        act->next_decision = lua_tonumber(L, -1);
    else if (act->verdict == RS_VERDICT_CONTINUE)
        LP_FAIL("action.next: expected the time of the next decision (hours), got %s", luaL_typename(L, -1));
    lua_pop(L, 1);
    raw_get(L, a, "stage");
    if (lua_isinteger(L, -1))
        act->stage = (int)lua_tointeger(L, -1);
    else if (!lua_isnil(L, -1))
        LP_FAIL("action.stage: expected an integer");
    lua_pop(L, 1);
    return 0;
}

/* One decision, all inside a protected call: building `obs` (which may meet the memory cap the policy filled),
 * the call, and reading the action (raw reads: a metatable on the action is not consulted). */
typedef struct decide_job {
    const lp_state *s;
    const rs_observation *obs;
    rs_action *act;
    char *err;
    size_t err_len;
    int rc;
} decide_job;

static int protected_decide(lua_State *L)
{
    decide_job *j = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, j->s->sc->policy_ref);
    push_obs(L, j->s, j->obs);
    lua_rawgeti(L, LUA_REGISTRYINDEX, j->s->state_ref);
    lua_call(L, 2, 1);
    j->rc = read_action(L, j->s, j->act, j->err, j->err_len);
    return 0;
}

static int lp_decide(void *state, const rs_observation *obs, rs_action *act, char *err, size_t err_len)
{
    lp_state *s = state;
    lua_State *L = s->sc->lua;
    LP_LOCK(s->sc);
    int base = lua_gettop(L);
    decide_job job = {s, obs, act, err, err_len, -1};
    lua_pushcfunction(L, protected_decide);
    lua_pushlightuserdata(L, &job);
    char msg[512];
    int status = rs_scenario_lua_pcall(s->sc, 1, 0, msg, sizeof msg), rc = -1;
    if (status == LUA_ERRMEM)
        snprintf(err, err_len, "the scenario's policy function %s", msg);
    else if (status != LUA_OK)
        snprintf(err, err_len, "%s", msg);
    else
        rc = job.rc;
    lua_settop(L, base);
    LP_UNLOCK(s->sc);
    return rc;
}

static const rs_policy_type lua_policy = {
    RS_POLICY_TYPE_HEADER,
    RS_LUA_POLICY_NAME,
    "the scenario's own Lua function policy(obs, state) -> action",
    NULL,
    0,
    sizeof(lp_state),
    lp_create,
    lp_decide,
    lp_destroy,
};

const rs_policy_type *rs_lua_policy_type(void)
{
    return &lua_policy;
}
