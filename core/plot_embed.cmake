# Embeds the plot templates in the program, as the fallback when neither the source tree's nor the installed
# plots/ folder is there: cmake -DDIR=plots -DOUT=file.c -P plot_embed.cmake
# Writes a NULL-terminated table rs_plot_templates[] = {{"fan.gp.in", "..."}, ...} (see core/plot.c).
file(GLOB templates RELATIVE "${DIR}" "${DIR}/*.gp.in")
list(SORT templates)
set(body "/* generated from ${DIR} by core/plot_embed.cmake; do not edit */\n#include <stddef.h>\n")
string(APPEND body "struct rs_plot_template {\n    const char *name;\n    const char *text;\n};\n")
set(table "")
set(i 0)
foreach(t ${templates})
  file(READ "${DIR}/${t}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const char t${i}[] = {${bytes} 0};\n")
  string(APPEND table "    {\"${t}\", t${i}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "const struct rs_plot_template rs_plot_templates[] = {\n${table}    {NULL, NULL}};\n")
file(WRITE "${OUT}" "${body}")
