/* Where the program's own files are: plugins and plot templates are found relative to the executable, so an
 * install moved with `cmake --install --prefix P` (or copied elsewhere) works without a reconfigure. The build
 * tree's folders are used only when the running executable is the build tree's own. */
#ifndef RS_PATHS_H
#define RS_PATHS_H

#include <stddef.h>

/* The folder holding the running executable (/proc/self/exe resolved) into buf; returns buf, or NULL when
 * it cannot be told (buf is then ""). */
const char *rs_paths_exe_dir(char *buf, size_t len);

/* 1 when the running executable lies in the build tree it was built in (the build folder or its tests/), else 0. */
int rs_paths_in_build_tree(void);

/* The installed folder REL (relative to the executable's folder, e.g. "../share/rollsim/plots") into buf;
 * returns buf, or NULL when the executable's folder is unknown. */
const char *rs_paths_installed(const char *rel, char *buf, size_t len);

/* The plugin folder and the plot template folder this program uses (build tree or installed), into buf.
 * Return buf, or NULL when none applies. */
const char *rs_paths_plugin_dir(char *buf, size_t len);
const char *rs_paths_plots_dir(char *buf, size_t len);

#endif
