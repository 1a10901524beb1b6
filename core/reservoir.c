#include "reservoir.h"

#include <stdlib.h>

int rs_reservoir_init(rs_reservoir *r, size_t capacity)
{
    r->values = malloc((capacity ? capacity : 1) * sizeof *r->values);
    r->capacity = capacity;
    r->n = 0;
    r->seen = 0;
    return r->values ? 0 : -1;
}

void rs_reservoir_free(rs_reservoir *r)
{
    if (!r)
        return;
    free(r->values);
    r->values = NULL;
    r->capacity = r->n = 0;
}
