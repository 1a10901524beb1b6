#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set by CMake: the build folder, the source tree's plots/, and the install layout relative to bin/. */
#ifndef RS_BUILD_DIR
#define RS_BUILD_DIR ""
#endif
#ifndef RS_BUILD_PLUGIN_DIR
#define RS_BUILD_PLUGIN_DIR ""
#endif
#ifndef RS_PLOTS_DIR
#define RS_PLOTS_DIR ""
#endif
#ifndef RS_REL_PLUGIN_DIR
#define RS_REL_PLUGIN_DIR "../lib/rollsim/plugins"
#endif
#ifndef RS_REL_PLOTS_DIR
#define RS_REL_PLOTS_DIR "../share/rollsim/plots"
#endif

const char *rs_paths_exe_dir(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len)
        buf[0] = '\0';
    if (n <= 0 || (size_t)n >= sizeof exe - 1)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    if ((size_t)snprintf(buf, len, "%s", *exe ? exe : "/") >= len) {
        buf[0] = '\0';
        return NULL;
    }
    return buf;
}

static int same_dir(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

int rs_paths_in_build_tree(void)
{
    char dir[PATH_MAX], tests[PATH_MAX];
    if (!*RS_BUILD_DIR || !rs_paths_exe_dir(dir, sizeof dir))
        return 0;
    snprintf(tests, sizeof tests, "%s/tests", RS_BUILD_DIR);
    return same_dir(dir, RS_BUILD_DIR) || same_dir(dir, tests);
}

const char *rs_paths_installed(const char *rel, char *buf, size_t len)
{
    char dir[PATH_MAX];
    if (!rs_paths_exe_dir(dir, sizeof dir) || (size_t)snprintf(buf, len, "%s/%s", dir, rel) >= len) {
        if (len)
            buf[0] = '\0';
        return NULL;
    }
    /* Tidy ".." away for messages when the folder exists; keep the plain join otherwise. */
    char real[PATH_MAX];
    if (realpath(buf, real) && strlen(real) < len)
        strcpy(buf, real);
    return buf;
}

const char *rs_paths_plugin_dir(char *buf, size_t len)
{
    if (rs_paths_in_build_tree() && sizeof RS_BUILD_PLUGIN_DIR > 1) { /* defined non-empty by the build */
        snprintf(buf, len, "%s", RS_BUILD_PLUGIN_DIR);
        return buf;
    }
    return rs_paths_installed(RS_REL_PLUGIN_DIR, buf, len);
}

const char *rs_paths_plots_dir(char *buf, size_t len)
{
    if (rs_paths_in_build_tree() && sizeof RS_PLOTS_DIR > 1) {
        snprintf(buf, len, "%s", RS_PLOTS_DIR);
        return buf;
    }
    return rs_paths_installed(RS_REL_PLOTS_DIR, buf, len);
}
