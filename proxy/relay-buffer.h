/*
 * relay-buffer.h - buffered bodies, as states of relay.c's machine
 * (relay-buffer.c). Each step returns whether it made progress, as
 * relay.c's steps do.
 */
#ifndef BERTH_PROXY_RELAY_BUFFER_H
#define BERTH_PROXY_RELAY_BUFFER_H

#include "relay-int.h"

/* The request body is read into c->req_spill first (CS_BUFFER). */
void start_buffering(struct conn *c, int send_continue);
int step_buffer(struct conn *c);
/* CS_PROXY with a buffered body: the head, then the spill, to u. */
int send_request_spill(struct conn *c, struct upstream *u);
/* After a response head: whether its body is buffered (c->resp_spill). */
void start_response_buffering(struct conn *c, struct http_head *h);
/* CS_PROXY, response buffering: reads on; CS_REPLY once whole. */
int buffer_response(struct conn *c, struct upstream *u);
/* CS_REPLY: the buffered response to the client. */
int step_reply(struct conn *c);

#endif
