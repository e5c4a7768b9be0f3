/*
 * http1.c - strict HTTP/1.x head parser and chunked scanner (see http1.h).
 */
#include "compat.h"
#include "http1.h"
#include <strings.h>

/* RFC 9110 tchar */
static const unsigned char tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

int slice_eq(struct slice s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && !memcmp(s.p, lit, n);
}

int slice_caseeq(struct slice s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && !strncasecmp(s.p, lit, n);
}

const struct slice *http_find(const struct http_head *h, const char *name)
{
	for (size_t i = 0; i < h->nhdr; i++)
		if (slice_caseeq(h->hdr[i].name, name))
			return &h->hdr[i].value;
	return NULL;
}

int http_conn_has(struct slice v, const char *token)
{
	size_t tl = strlen(token), i = 0;
	while (i < v.n) {
		while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
			i++;
		size_t s = i;
		while (i < v.n && v.p[i] != ',' && v.p[i] != ' ' && v.p[i] != '\t')
			i++;
		if (i - s == tl && !strncasecmp(v.p + s, token, tl))
			return 1;
	}
	return 0;
}

/*
 * Finds the end of the line starting at p. Returns the length of the line
 * without its terminator and sets *next, or -1 if incomplete, -2 if the
 * terminator is not allowed (bare LF when strict).
 */
static ssize_t next_line(const char *p, const char *end, int strict,
			 const char **next)
{
	const char *nl = memchr(p, '\n', end - p);
	if (!nl)
		return -1;
	*next = nl + 1;
	if (nl > p && nl[-1] == '\r')
		return nl - 1 - p;
	return strict ? -2 : nl - p;
}

static int parse_u64(struct slice s, uint64_t *out)
{
	uint64_t v = 0;
	if (!s.n || s.n > 18)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_version(const char *p, size_t n, int *minor)
{
	if (n != 8 || memcmp(p, "HTTP/", 5) || p[6] != '.')
		return -400;
	if (p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9')
		return -400;
	if (p[5] != '1')
		return -505;
	*minor = p[7] - '0';
	return 0;
}

/* Parses header lines from p; returns head length, 0 or -status. */
static int parse_headers(const char *buf, const char *p, const char *end,
			 int strict, struct http_head *h)
{
	h->nhdr = 0;
	for (;;) {
		const char *next;
		ssize_t n = next_line(p, end, strict, &next);
		if (n == -1)
			return HTTP_INCOMPLETE;
		if (n == -2)
			return -400;
		if (n == 0)
			return (int)(next - buf);
		if (p[0] == ' ' || p[0] == '\t')
			return -400; /* obs-fold */
		size_t i = 0;
		while (i < (size_t)n && tchar[(unsigned char)p[i]])
			i++;
		if (!i || i == (size_t)n || p[i] != ':')
			return -400;
		struct slice name = { p, i };
		i++;
		while (i < (size_t)n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		size_t vs = i, ve = n;
		while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
			ve--;
		for (size_t k = vs; k < ve; k++) {
			unsigned char c = p[k];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return -400;
		}
		if (h->nhdr == HTTP_MAX_HEADERS)
			return -431;
		h->hdr[h->nhdr].name = name;
		h->hdr[h->nhdr].value = (struct slice){ p + vs, ve - vs };
		h->nhdr++;
		p = next;
	}
}

/* Fills the derived fields; 0 or -status. */
static int derive(struct http_head *h, int is_request)
{
	int have_cl = 0, have_te = 0, have_host = 0, conn_close = 0,
	    conn_keep = 0, conn_upgrade = 0, have_upgrade = 0;
	h->content_length = 0;
	h->host = (struct slice){ "", 0 };
	h->expect_continue = 0;
	for (size_t i = 0; i < h->nhdr; i++) {
		struct slice n = h->hdr[i].name, v = h->hdr[i].value;
		switch (n.n) {
		case 4:
			if (slice_caseeq(n, "host")) {
				if (have_host++)
					return -400;
				h->host = v;
			}
			break;
		case 6:
			if (slice_caseeq(n, "expect") &&
			    slice_caseeq(v, "100-continue"))
				h->expect_continue = 1;
			break;
		case 7:
			if (slice_caseeq(n, "upgrade"))
				have_upgrade = 1;
			break;
		case 10:
			if (slice_caseeq(n, "connection")) {
				conn_close |= http_conn_has(v, "close");
				conn_keep |= http_conn_has(v, "keep-alive");
				conn_upgrade |= http_conn_has(v, "upgrade");
			}
			break;
		case 14:
			if (slice_caseeq(n, "content-length")) {
				if (have_cl++ || parse_u64(v, &h->content_length))
					return -400;
			}
			break;
		case 17:
			if (slice_caseeq(n, "transfer-encoding")) {
				if (have_te++ || !slice_caseeq(v, "chunked"))
					return -400;
			}
			break;
		}
	}
	if (have_cl && have_te)
		return -400;
	if (have_te && h->minor == 0 && is_request)
		return -400;
	if (is_request && h->minor >= 1 && !have_host)
		return -400;
	h->keep_alive = h->minor >= 1 ? !conn_close : conn_keep && !conn_close;
	h->upgrade = conn_upgrade && have_upgrade;
	if (have_te)
		h->body = BODY_CHUNKED;
	else if (have_cl && h->content_length)
		h->body = BODY_LENGTH;
	else if (have_cl || is_request)
		h->body = BODY_NONE;
	else
		h->body = BODY_UNTIL_CLOSE;
	return 0;
}

/* RFC 3986 authority characters, less "@": we take no userinfo. */
static int authority_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:%[]", c);
}

/*
 * An absolute-form target: 1, with *origin narrowed to what follows the
 * authority and *authority set; 0 for any other form (left as it is);
 * -400 for one we will not take.
 */
static int split_absolute(struct slice *origin, struct slice *authority)
{
	const char *p = origin->p, *end = p + origin->n;
	if (origin->n >= 7 && !strncasecmp(p, "http://", 7))
		p += 7;
	else if (origin->n >= 8 && !strncasecmp(p, "https://", 8))
		p += 8;
	else
		return 0;
	const char *a = p;
	while (p < end && *p != '/' && *p != '?') {
		if (!authority_char(*p))
			return -400;
		p++;
	}
	if (p == a)
		return -400;
	*authority = (struct slice){ a, p - a };
	*origin = (struct slice){ p, end - p };
	return 1;
}

int http_parse_request(const char *buf, size_t len, size_t max_head,
		       struct http_head *h)
{
	const char *end = buf + (len > max_head ? max_head : len), *next;
	ssize_t n = next_line(buf, end, 1, &next);
	if (n == -1)
		return len >= max_head ? -431 : HTTP_INCOMPLETE;
	if (n == -2)
		return -400;
	const char *p = buf, *le = buf + n;
	size_t i = 0;
	while (p + i < le && tchar[(unsigned char)p[i]])
		i++;
	if (!i || p + i == le || p[i] != ' ')
		return -400;
	h->method = (struct slice){ p, i };
	p += i + 1;
	const char *t = p;
	while (p < le && (unsigned char)*p > 0x20 && *p != 0x7f)
		p++;
	if (p == t || p == le || *p != ' ')
		return -400;
	h->target = (struct slice){ t, p - t };
	p++;
	int r = parse_version(p, le - p, &h->minor);
	if (r)
		return r;
	struct slice origin = h->target, authority = { "", 0 };
	int absolute = split_absolute(&origin, &authority);
	if (absolute < 0)
		return absolute;
	h->absolute = absolute;
	const char *q = memchr(origin.p, '?', origin.n);
	h->path = (struct slice){ origin.p, q ? (size_t)(q - origin.p) : origin.n };
	h->rest = (struct slice){ origin.p + h->path.n, origin.n - h->path.n };
	h->query = q ? (struct slice){ q + 1, origin.n - (q + 1 - origin.p) }
		     : (struct slice){ "", 0 };
	if (!h->path.n)
		h->path = (struct slice){ "/", 1 };
	h->status = 0;
	r = parse_headers(buf, next, end, 1, h);
	if (r == HTTP_INCOMPLETE)
		return len >= max_head ? -431 : HTTP_INCOMPLETE;
	if (r < 0)
		return r;
	int d = derive(h, 1);
	if (absolute)
		h->host = authority;
	return d ? d : r;
}

int http_parse_response(const char *buf, size_t len, size_t max_head,
			int is_head, struct http_head *h)
{
	const char *end = buf + (len > max_head ? max_head : len), *next;
	ssize_t n = next_line(buf, end, 0, &next);
	if (n == -1)
		return len >= max_head ? -431 : HTTP_INCOMPLETE;
	if (n < 12 || parse_version(buf, 8, &h->minor) || buf[8] != ' ')
		return -400;
	int st = 0;
	for (int i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -400;
		st = st * 10 + buf[i] - '0';
	}
	if (st < 100 || (n > 12 && buf[12] != ' '))
		return -400;
	h->status = st;
	h->reason = n > 13 ? (struct slice){ buf + 13, n - 13 }
			   : (struct slice){ "", 0 };
	h->method = h->target = h->path = h->query = h->rest = (struct slice){ "", 0 };
	h->absolute = 0;
	int r = parse_headers(buf, next, end, 0, h);
	if (r == HTTP_INCOMPLETE)
		return len >= max_head ? -431 : HTTP_INCOMPLETE;
	if (r < 0)
		return r;
	int d = derive(h, 0);
	if (d)
		return d;
	if (is_head || st < 200 || st == 204 || st == 304)
		h->body = BODY_NONE;
	if (h->body == BODY_UNTIL_CLOSE)
		h->keep_alive = 0;
	return r;
}

enum {
	C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF,
	C_TRAILER_START, C_TRAILER, C_TRAILER_LF, C_END_LF
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t http_chunked_scan(struct http_chunked *c, const char *buf, size_t len,
			  int *done)
{
	size_t i = 0;
	*done = 0;
	while (i < len) {
		char ch = buf[i];
		switch (c->state) {
		case C_SIZE: {
			int v = hexval(ch);
			if (v >= 0) {
				if (++c->digits > 15)
					return -1;
				c->left = c->left * 16 + v;
			} else if (ch == ';' && c->digits) {
				c->state = C_EXT;
				c->linelen = 0;
			} else if (ch == '\r' && c->digits) {
				c->state = C_SIZE_LF;
			} else {
				return -1;
			}
			i++;
			break;
		}
		case C_EXT:
			if (ch == '\r')
				c->state = C_SIZE_LF;
			else if (((unsigned char)ch < 0x20 && ch != '\t') ||
				 ch == 0x7f || ++c->linelen > 4096)
				return -1;
			i++;
			break;
		case C_SIZE_LF:
			if (ch != '\n')
				return -1;
			c->state = c->left ? C_DATA : C_TRAILER_START;
			i++;
			break;
		case C_DATA: {
			size_t take = len - i;
			if (take > c->left)
				take = c->left;
			c->left -= take;
			c->data += take;
			i += take;
			if (!c->left)
				c->state = C_DATA_CR;
			break;
		}
		case C_DATA_CR:
			if (ch != '\r')
				return -1;
			c->state = C_DATA_LF;
			i++;
			break;
		case C_DATA_LF:
			if (ch != '\n')
				return -1;
			c->state = C_SIZE;
			c->digits = 0;
			c->left = 0;
			i++;
			break;
		case C_TRAILER_START:
			c->linelen = 0;
			if (ch == '\r') {
				c->state = C_END_LF;
				i++;
				break;
			}
			if (ch == ' ' || ch == '\t')
				return -1;
			c->state = C_TRAILER;
			/* fall through */
		case C_TRAILER:
			if (ch == '\r')
				c->state = C_TRAILER_LF;
			else if (((unsigned char)ch < 0x20 && ch != '\t') ||
				 ch == 0x7f || ++c->linelen > 8192)
				return -1;
			i++;
			break;
		case C_TRAILER_LF:
			if (ch != '\n')
				return -1;
			c->state = C_TRAILER_START;
			i++;
			break;
		case C_END_LF:
			if (ch != '\n')
				return -1;
			*done = 1;
			return i + 1;
		}
	}
	return i;
}

uint64_t http_chunked_data_left(const struct http_chunked *c)
{
	return c->state == C_DATA ? c->left : 0;
}
