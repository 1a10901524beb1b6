/* A manifest read as a tree (issue 15): the YAML documents of an Argo Rollouts or Flagger file, read with
 * libyaml, or a Spinnaker JSON file, each node keeping the line and column it came from so that every
 * message can name them. Only the tree: what the nodes mean is import_argo.c's and import_flagger.c's. */
#ifndef RS_MANIFEST_H
#define RS_MANIFEST_H

#include <stddef.h>

#include "status.h"

typedef enum rs_mnode_kind { RS_MNODE_SCALAR, RS_MNODE_MAP, RS_MNODE_SEQ } rs_mnode_kind;

typedef struct rs_mnode {
    rs_mnode_kind kind;
    char *key;     /* in a map: this entry's key; NULL otherwise */
    char *text;    /* a scalar's text */
    int quoted;    /* a scalar written in quotes (a string, never a number) */
    const char *file; /* the manifest's path (its rs_manifest owns it) */
    int line, col;    /* 1-based position in the file */
    struct rs_mnode **items; /* map entries or sequence items, in order */
    size_t n;
} rs_mnode;

/* The documents of one file. */
typedef struct rs_manifest {
    char *path;
    rs_mnode **docs;
    size_t n_docs;
} rs_manifest;

/* Reads every YAML document of path (JSON is read as YAML, whose flow style it is). RS_ERR_INPUT names the
 * file, line and column of a syntax error. The caller frees with rs_manifest_free. */
rs_status rs_manifest_read(const char *path, rs_manifest *out, rs_error *err);
void rs_manifest_free(rs_manifest *m);

/* The entry `key` of a map (NULL when absent or n is not a map). */
const rs_mnode *rs_mnode_get(const rs_mnode *n, const char *key);
/* A scalar's text, or NULL. */
const char *rs_mnode_text(const rs_mnode *n);

/* Go's time.ParseDuration (what Argo's and Flagger's duration strings go through): [-+]?(number unit)+ with
 * units ns, us, µs, ms, s, m, h, or "0". Hours into *hours; -1 when Go would refuse the text. */
int rs_go_duration(const char *text, double *hours);

#endif
