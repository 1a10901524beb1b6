/* The event queue: a binary min-heap of fixed-size event records, ordered by (time, priority, insertion
 * sequence) so that events at the same instant run in a fixed, documented order and runs are deterministic.
 * Storage is allocated once (rs_queue_init) for the expected load; a push beyond it doubles the storage (rare:
 * scripted rate changes leave stale arrivals behind), so events do not allocate in the usual run. */
#ifndef RS_QUEUE_H
#define RS_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Event kinds, in the order they run when their times are equal: a scripted change and a policy decision
 * at t happen before the sample at t ("a sample shows the state after every event scheduled at t"). */
typedef enum rs_event_kind {
    RS_EV_SCRIPTED = 0,
    RS_EV_DECISION = 1,
    RS_EV_ARRIVAL = 2,
    RS_EV_SAMPLE = 3,
    RS_EV_HORIZON = 4
} rs_event_kind;

typedef struct rs_event {
    double t;
    uint64_t seq; /* (kind << 56) | insertion number: one integer compare breaks every tie */
    uint32_t arg; /* e.g. the segment of an arrival */
    uint32_t kind;
} rs_event;

typedef struct rs_queue {
    rs_event *heap;
    size_t len, cap;
    uint64_t next_seq;
} rs_queue;

/* Allocates room for cap events. Returns RS_OK or RS_ERR_RUNTIME. Free with rs_queue_free. */
rs_status rs_queue_init(rs_queue *q, size_t cap, rs_error *err);
void rs_queue_free(rs_queue *q);
void rs_queue_clear(rs_queue *q);

/* Returns RS_ERR_RUNTIME only when growing the storage fails. */
rs_status rs_queue_push(rs_queue *q, double t, rs_event_kind kind, uint32_t arg, rs_error *err);
/* Removes the earliest event into *out; returns 0 when the queue is empty. */
int rs_queue_pop(rs_queue *q, rs_event *out);

static inline int rs_event_before(const rs_event *a, const rs_event *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Time of the earliest event, or +inf. */
double rs_queue_peek_time(const rs_queue *q);

#endif
