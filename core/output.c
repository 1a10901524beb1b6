#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dist.h"

/* Removes the temporary files that a process which no longer exists left in dir (killed with SIGKILL, or
 * crashed): ".NAME.PID.XXXXXX" as rs_atomic_open names them, PID not running. Files of a live process, and
 * anything else, are left alone. Best effort: errors are ignored. */
static void remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t len = strlen(n);
        if (n[0] != '.' || len < 12 || n[len - 7] != '.')
            continue;
        const char *p = n + len - 8; /* the PID's digits end here */
        while (p > n && *p >= '0' && *p <= '9')
            p--;
        if (p == n + len - 8 || *p != '.' || p == n)
            continue;
        long pid = strtol(p + 1, NULL, 10);
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, n) < (int)sizeof path)
            unlink(path);
    }
    closedir(d);
}

rs_status rs_output_prepare_dir(const char *dir, int *created, rs_error *err)
{
    char path[4096];
    if (created)
        *created = 0;
    if (rs_dist_rank() != 0) /* only rank 0 writes (see output.h) */
        return RS_OK;
    if (!*dir)
        RS_FAIL(err, RS_ERR_INPUT, "--out: expected a folder name, got an empty string");
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        RS_FAIL(err, RS_ERR_INPUT, "output folder %s: path too long", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) && errno != EEXIST)
            RS_FAIL(err, RS_ERR_INPUT, "output folder %s: cannot create %s: %s", dir, path, strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) == 0) {
        if (created)
            *created = 1;
    } else if (errno != EEXIST) {
        RS_FAIL(err, RS_ERR_INPUT, "output folder %s: cannot create it: %s", dir, strerror(errno));
    }
    struct stat st;
    if (stat(path, &st) || !S_ISDIR(st.st_mode))
        RS_FAIL(err, RS_ERR_INPUT, "output folder %s: exists and is not a folder", dir);
    if (access(path, W_OK | X_OK))
        RS_FAIL(err, RS_ERR_INPUT, "output folder %s: not writable: %s", dir, strerror(errno));
    remove_stale(path);
    return RS_OK;
}

rs_status rs_atomic_open(rs_atomic_file *af, const char *dir, const char *name, rs_error *err)
{
    af->f = NULL;
    if (rs_dist_rank() != 0) { /* only rank 0 writes: the others format into nothing */
        af->tmp[0] = af->final[0] = '\0';
        af->f = fopen("/dev/null", "w");
        if (!af->f)
            RS_FAIL(err, RS_ERR_RUNTIME, "cannot open /dev/null: %s", strerror(errno));
        return RS_OK;
    }
    if (snprintf(af->final, sizeof af->final, "%s/%s", dir, name) >= (int)sizeof af->final ||
        snprintf(af->tmp, sizeof af->tmp, "%s/.%s.%ld.XXXXXX", dir, name, (long)getpid()) >= (int)sizeof af->tmp)
        RS_FAIL(err, RS_ERR_INPUT, "output folder %s: path too long", dir);
    int fd = mkstemp(af->tmp);
    if (fd < 0)
        RS_FAIL(err, RS_ERR_INPUT, "output folder %s: cannot create a file: %s", dir, strerror(errno));
    fchmod(fd, 0644);
    af->f = fdopen(fd, "w");
    if (!af->f) {
        close(fd);
        unlink(af->tmp);
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot open %s: %s", af->tmp, strerror(errno));
    }
    return RS_OK;
}

rs_status rs_atomic_commit(rs_atomic_file *af, rs_error *err)
{
    if (!af->f)
        return RS_OK;
    if (!af->tmp[0]) { /* a rank other than 0: nothing was written */
        fclose(af->f);
        af->f = NULL;
        return RS_OK;
    }
    int bad = fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0;
    int saved = errno;
    bad |= fclose(af->f) != 0;
    af->f = NULL;
    if (bad) {
        unlink(af->tmp);
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot write %s: %s", af->final, strerror(saved));
    }
    if (rename(af->tmp, af->final)) {
        saved = errno;
        unlink(af->tmp);
        RS_FAIL(err, RS_ERR_RUNTIME, "cannot rename into %s: %s", af->final, strerror(saved));
    }
    return RS_OK;
}

void rs_atomic_abort(rs_atomic_file *af)
{
    if (!af->f)
        return;
    fclose(af->f);
    af->f = NULL;
    if (af->tmp[0])
        unlink(af->tmp);
}

/* What run, compare, sweep, optimize and plot write at the top of an output folder. */
static const char *const own_names[] = {"summary.json", "runs.csv",     "curves.csv", "bands.csv",
                                        "events.csv",   "segments.csv", "sweep.csv",  "optimize.csv",
                                        "best.json",    "best.lua",     "report.html", "plots", NULL};

/* name is one of names, or a temporary file of one (".NAME.XXXXXX", rs_atomic_open). */
static int is_own(const char *name, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        size_t len = strlen(names[i]);
        if (!strcmp(name, names[i]) ||
            (name[0] == '.' && !strncmp(name + 1, names[i], len) && name[len + 1] == '.' && strlen(name + len + 2) == 6))
            return 1;
    }
    return 0;
}

rs_status rs_output_check_dir(const char *dir, int force, rs_error *err)
{
    if (force || rs_dist_rank() != 0)
        return RS_OK;
    DIR *d = opendir(dir);
    if (!d)
        return RS_OK; /* absent (created later), or not a folder: rs_output_prepare_dir says so */
    char foreign[256] = "";
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !is_own(e->d_name, own_names) &&
            (!*foreign || strcmp(e->d_name, foreign) < 0)) /* the first by name: the same message every time */
            snprintf(foreign, sizeof foreign, "%s", e->d_name);
    closedir(d);
    if (!*foreign)
        return RS_OK;
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_t *sum = json_load_file(path, 0, NULL);
    int ours = json_is_string(json_object_get(sum, "rollsim"));
    json_decref(sum);
    if (ours)
        return RS_OK; /* a rollsim output with the user's own notes beside it */
    RS_FAIL(err, RS_ERR_INPUT,
            "output folder %s: holds '%s' and no summary.json of rollsim's, so it is not a rollsim output folder; "
            "choose another --out (a new or empty folder), or add --force to write into it anyway",
            dir, foreign);
}

void rs_output_clear_plots(const char *dir)
{
    static const char *const ext[] = {".png", ".svg", ".pdf", ".gp", ".dat", NULL};
    char plots[4200], path[4500];
    if (rs_dist_rank() != 0 || snprintf(plots, sizeof plots, "%s/plots", dir) >= (int)sizeof plots)
        return;
    DIR *d = opendir(plots);
    if (!d) {
        if (snprintf(path, sizeof path, "%s/report.html", dir) < (int)sizeof path)
            unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *name = e->d_name, *dot = strrchr(name, '.');
        int ours = !strcmp(name, "report.html");
        for (size_t i = 0; ext[i] && !ours && dot; i++)
            ours = !strcmp(dot, ext[i]);
        if (!ours && name[0] == '.' && strlen(name) > 8) { /* a temporary .NAME.XXXXXX of one of them */
            char base[256];
            snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 8), name + 1);
            const char *bdot = strrchr(base, '.');
            for (size_t i = 0; ext[i] && bdot; i++)
                ours |= !strcmp(bdot, ext[i]);
        }
        if (ours && snprintf(path, sizeof path, "%s/%s", plots, name) < (int)sizeof path)
            unlink(path);
    }
    closedir(d);
    rmdir(plots); /* only when nothing else is left in it */
    if (snprintf(path, sizeof path, "%s/report.html", dir) < (int)sizeof path)
        unlink(path);
}
