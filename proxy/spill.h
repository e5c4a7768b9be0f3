/*
 * spill.h - a message body held aside while it is buffered
 * (--buffer-requests, --buffer-responses): in memory up to a threshold,
 * the rest in a temporary file that has no name, so it is gone with its
 * descriptor whatever becomes of the request or the process.
 *
 * Protocol:
 *  1. spill_new(mem_max) makes an empty one; the caller owns it.
 *  2. spill_add() appends bytes as they arrive: 0, or -1 with errno when
 *     the temporary file cannot be made or written (disk full...).
 *  3. Once the body is complete, spill_peek() gives the next bytes to
 *     send (valid until the next call), spill_consume() says how many
 *     were sent, spill_left() what remains. No spill_add() after that.
 *  4. spill_free() frees the memory, closes the file and NULLs the
 *     pointer; a NULL spill is fine.
 * Limits (--max-request-body...) are the caller's business.
 */
#ifndef BERTH_PROXY_SPILL_H
#define BERTH_PROXY_SPILL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct spill;

struct spill *spill_new(uint64_t mem_max);
int spill_add(struct spill *b, const char *p, size_t n);
ssize_t spill_peek(struct spill *b, const char **p);
void spill_consume(struct spill *b, size_t n);
uint64_t spill_left(const struct spill *b);
void spill_free(struct spill **b);

#endif
