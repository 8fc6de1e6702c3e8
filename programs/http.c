#include "platform.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "messages.h"

int is_url(const char *path)
{
    return strncasecmp(path, "http://", 7) == 0 || strncasecmp(path, "https://", 8) == 0;
}

#ifndef LZ4FRAMED_HAVE_CURL

int http_open_input(const struct options *o, struct input *in)
{
    (void)in;
    return fail_usage("%s: this lz4framed was built without URL support (libcurl); download it first, "
                      "or pipe it in: curl -s URL | %s decompress - OUTFILE",
                      o->in_path, PROG);
}
void http_close_input(struct input *in)
{
    in->http = NULL;
}
/* Never reached without libcurl: no input ever has a source. */
int http_start(struct http_source *h, uint64_t offset, const struct http_identity *expect)
{
    (void)h, (void)offset, (void)expect;
    return RC_INTERNAL;
}
const struct http_identity *http_identity(const struct http_source *h)
{
    (void)h;
    return NULL;
}
ssize_t http_read(void *h, unsigned char *buf, size_t cap)
{
    (void)h, (void)buf, (void)cap;
    return -1;
}
void http_wake(void *h)
{
    (void)h;
}
int http_failure(struct http_source *h)
{
    (void)h;
    return RC_INTERNAL;
}
void http_note(void *h, char *buf, size_t cap)
{
    (void)h;
    if (cap) buf[0] = '\0';
}
void http_report(const struct http_source *h)
{
    (void)h;
}
const char *http_support(void)
{
    return "URL input: not built in (no libcurl)";
}

#else /* LZ4FRAMED_HAVE_CURL */

#include <curl/curl.h>
#include <time.h>

#include "io.h"

/* How a request ended, for the retry decision and the counts. */
enum outcome { FINISHED, STALLED };

struct http_source {
    const char *url;
    int verbose;
    uint32_t stall_ms, retries, retry_delay_ms;
    CURLM *multi;
    CURL *easy;
    struct curl_slist *headers;
    char range[32];
    char errbuf[CURL_ERROR_SIZE];

    /* The resource as first seen (or as the state file recorded it). */
    struct http_identity id;
    int have_id;
    int resuming;      /* `id` came from a state file: a change is RC_STATE */
    uint64_t offset;   /* bytes of the resource received and handed on, in order */

    /* The request in flight. */
    int active;
    uint64_t req_offset;
    int head_done;     /* its final response head was checked and accepted */
    long status;
    int is_redirect;
    struct http_identity resp;
    int have_range;
    uint64_t range_first, range_last, range_total; /* range_total HTTP_UNKNOWN_SIZE for '*' */
    uint64_t content_length;
    int have_length;
    uint64_t got;      /* body bytes of this request */
    uint64_t expected_end; /* where its body ends in the resource (HTTP_UNKNOWN_SIZE) */
    double last_activity;

    /* Where the write callback puts the body: the caller's buffer, then the spill. */
    unsigned char *target;
    size_t target_cap, target_len;
    unsigned char *spill;
    size_t spill_len, spill_pos, spill_cap;

    int ended;         /* the whole resource was received */
    int failed;        /* rc and message hold why */
    int rc;
    char message[1024];
    unsigned fails_in_a_row;
    double retry_at;
    int stop;          /* http_wake was called (read with __atomic) */
    long transient;    /* a status retried like a dropped connection (503...) */
    int discard_body;  /* the response has no bytes of the resource (416 at its end) */
    int paused;        /* on_body paused the transfer: the caller's buffer was full */
    unsigned events;   /* bumped by every callback: drive() waits only when nothing happened */

    /* Counts, for -v and the progress line. */
    uint64_t received, first_offset;
    unsigned requests, reconnects, stalls;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void fail_with(struct http_source *h, int rc, const char *fmt, ...)
{
    if (h->failed) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->message, sizeof h->message, fmt, ap);
    va_end(ap);
    h->failed = 1;
    h->rc = rc;
}

static int stopped(struct http_source *h)
{
    return __atomic_load_n(&h->stop, __ATOMIC_ACQUIRE);
}

/* Header values: leading and trailing blanks cut; 0 when too long. */
static int header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':') return 0;
    const char *v = line + nl + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t')) end--;
    if ((size_t)(end - v) >= cap) return -1;
    memcpy(out, v, (size_t)(end - v));
    out[end - v] = '\0';
    return 1;
}

static int parse_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9') return -1;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    *out = v;
    return 0;
}

/* "bytes FIRST-LAST/TOTAL", TOTAL a number or a star (unknown); a 416 has a star for FIRST-LAST. */
static int parse_content_range(struct http_source *h, const char *v)
{
    if (strncasecmp(v, "bytes", 5) != 0) return -1;
    v += 5;
    while (*v == ' ') v++;
    if (*v == '*') {
        v++;
        h->range_first = h->range_last = HTTP_UNKNOWN_SIZE;
    } else if (parse_u64(&v, &h->range_first) != 0 || *v++ != '-' || parse_u64(&v, &h->range_last) != 0 ||
               h->range_last < h->range_first) {
        return -1;
    }
    if (*v++ != '/') return -1;
    if (*v == '*') {
        h->range_total = HTTP_UNKNOWN_SIZE;
        v++;
    } else if (parse_u64(&v, &h->range_total) != 0) {
        return -1;
    }
    if (*v != '\0') return -1;
    h->have_range = 1;
    return 0;
}

/* How the response's identity differs from the recorded one, or NULL:
 * only what both sides carry is compared. */
static const char *identity_change(const struct http_identity *was, const struct http_identity *now)
{
    if (was->total != HTTP_UNKNOWN_SIZE && now->total != HTTP_UNKNOWN_SIZE && was->total != now->total)
        return "its length";
    if (was->etag[0] && now->etag[0] && strcmp(was->etag, now->etag) != 0) return "its ETag";
    if (was->last_modified[0] && now->last_modified[0] && strcmp(was->last_modified, now->last_modified) != 0)
        return "its Last-Modified date";
    return NULL;
}

static void changed(struct http_source *h, const char *what)
{
    if (h->resuming)
        fail_with(h, RC_STATE,
                  "%s has changed since the download began (%s differs from the state file's); "
                  "the state file is refused and nothing was changed",
                  h->url, what);
    else
        fail_with(h, RC_NO_RESUME, "%s changed during the download (%s differs): cannot continue", h->url, what);
}

/* The head of the final response is complete: accept it or fail. 0 to go on. */
static int check_head(struct http_source *h)
{
    long st = h->status;
    if (st >= 300 && st < 400 && h->is_redirect) return 0; /* curl follows it */
    if (st == 408 || st == 429 || st == 502 || st == 503 || st == 504) {
        /* Transient by their definition: retried like a dropped connection. */
        h->transient = st;
        return -2;
    }
    if (st == 416) {
        /* Nothing at the offset asked for: the resource ends right there
         * (all of it was received; the decoder judges the end), or it has
         * become shorter. */
        struct http_identity seen = h->resp;
        seen.total = h->have_range ? h->range_total : HTTP_UNKNOWN_SIZE;
        const char *what = h->have_id ? identity_change(&h->id, &seen) : NULL;
        if (what || seen.total != h->req_offset) {
            changed(h, what ? what : "its length (the server has no byte at the offset asked for)");
            return -1;
        }
        h->expected_end = seen.total;
        h->head_done = h->discard_body = 1;
        return 0;
    }
    if (st != 200 && st != 206) {
        fail_with(h, RC_SERVER, "%s: the server answered HTTP status %ld", h->url, st);
        return -1;
    }
    struct http_identity seen = h->resp;
    seen.total = HTTP_UNKNOWN_SIZE;
    if (st == 200) {
        if (h->have_length) seen.total = h->content_length;
        if (h->have_id) {
            const char *what = identity_change(&h->id, &seen);
            if (what) {
                changed(h, what);
                return -1;
            }
        }
        if (h->req_offset > 0) {
            fail_with(h, RC_NO_RESUME,
                      "%s: the server ignores Range requests (it answered 200 with the whole resource to a "
                      "request from offset %llu): cannot continue the download there",
                      h->url, (unsigned long long)h->req_offset);
            return -1;
        }
    } else {
        if (h->req_offset == 0 || !h->have_range || h->range_first == HTTP_UNKNOWN_SIZE) {
            fail_with(h, RC_NO_RESUME, "%s: the server answered 206 without the Content-Range asked for", h->url);
            return -1;
        }
        seen.total = h->range_total;
        if (h->have_id) {
            const char *what = identity_change(&h->id, &seen);
            if (what) {
                changed(h, what);
                return -1;
            }
        }
        uint64_t total = seen.total != HTTP_UNKNOWN_SIZE ? seen.total : h->id.total;
        if (h->range_first != h->req_offset || (total != HTTP_UNKNOWN_SIZE && h->range_last + 1 != total)) {
            fail_with(h, RC_NO_RESUME,
                      "%s: the server answered the range %llu-%llu to a request for bytes %llu to the end", h->url,
                      (unsigned long long)h->range_first, (unsigned long long)h->range_last,
                      (unsigned long long)h->req_offset);
            return -1;
        }
    }
    /* The identity is that of the first response, and stays so: the main
     * thread reads it for the state file while this one reconnects. */
    if (!h->have_id) {
        h->id = seen;
        h->have_id = 1;
    }
    h->expected_end = seen.total != HTTP_UNKNOWN_SIZE ? seen.total : h->id.total;
    h->head_done = 1;
    return 0;
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
    struct http_source *h = arg;
    size_t len = size * n;
    char v[HTTP_VALIDATOR_MAX + 1];
    h->last_activity = now_ms();
    h->events++;
    if (stopped(h)) return 0;
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new response (a redirect's, or the final one): start afresh. */
        const char *p = memchr(line, ' ', len);
        h->status = 0;
        if (p && (size_t)(p - line) + 4 <= len && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
            isdigit((unsigned char)p[3]))
            h->status = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
        h->is_redirect = h->have_range = h->have_length = 0;
        memset(&h->resp, 0, sizeof h->resp);
        return len;
    }
    if (len <= 2 && (line[0] == '\r' || line[0] == '\n')) {
        if (h->status == 0) return len; /* curl reports what is wrong */
        int r = check_head(h);
        if (r == -2) return 0; /* retried: the errbuf says why */
        return r == 0 ? len : 0;
    }
    if (header_value(line, len, "ETag", v, sizeof v) == 1) {
        /* A weak ETag may not be used in If-Range and says nothing of bytes. */
        if (strncmp(v, "W/", 2) != 0) memcpy(h->resp.etag, v, strlen(v) + 1);
    } else if (header_value(line, len, "Last-Modified", v, sizeof v) == 1) {
        memcpy(h->resp.last_modified, v, strlen(v) + 1);
    } else if (header_value(line, len, "Content-Range", v, sizeof v) == 1) {
        if (parse_content_range(h, v) != 0) {
            fail_with(h, RC_NO_RESUME, "%s: the server sent an unreadable Content-Range '%s'", h->url, v);
            return 0;
        }
    } else if (header_value(line, len, "Content-Length", v, sizeof v) == 1) {
        const char *p = v;
        h->have_length = parse_u64(&p, &h->content_length) == 0 && *p == '\0';
    } else if (header_value(line, len, "Location", v, sizeof v) != 0) {
        h->is_redirect = 1;
    }
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct http_source *h = arg;
    size_t len = size * n;
    if (stopped(h) || !h->head_done) return 0;
    h->last_activity = now_ms();
    h->events++;
    if (h->discard_body) return len;
    /* The caller's buffer is full: curl keeps this piece and offers it
     * again once http_read resumes the transfer. So what is received
     * ahead of the reader's buffers is at most one piece (the spill). */
    if (!h->target || h->target_len == h->target_cap) {
        h->paused = 1;
        return CURL_WRITEFUNC_PAUSE;
    }
    size_t direct = 0;
    if (h->target && h->target_len < h->target_cap) {
        direct = h->target_cap - h->target_len;
        if (direct > len) direct = len;
        memcpy(h->target + h->target_len, data, direct);
        h->target_len += direct;
    }
    if (direct < len) {
        size_t rest = len - direct;
        if (h->spill_pos > 0 && h->spill_pos == h->spill_len) h->spill_pos = h->spill_len = 0;
        if (h->spill_len + rest > h->spill_cap) {
            size_t cap = h->spill_cap ? h->spill_cap : 1u << 20;
            while (cap < h->spill_len + rest) cap *= 2;
            unsigned char *p = realloc(h->spill, cap);
            if (!p) {
                fail_with(h, RC_INTERNAL, "%s: out of memory (%lu bytes)", h->url, (unsigned long)cap);
                return 0;
            }
            h->spill = p;
            h->spill_cap = cap;
        }
        memcpy(h->spill + h->spill_len, data + direct, rest);
        h->spill_len += rest;
    }
    h->offset += len;
    h->got += len;
    h->received += len;
    return len;
}

int http_open_input(const struct options *o, struct input *in)
{
    memset(in, 0, sizeof *in);
    in->fd = -1;
    in->name = o->in_path;
    if (strlen(o->in_path) >= 4000) return fail_usage("the URL is too long (%lu bytes)", (unsigned long)strlen(o->in_path));
    /* A TLS write on a connection the server reset must fail, not end
     * the program (libcurl's NOSIGNAL mode leaves SIGPIPE to it); a closed
     * standard output then fails with EPIPE too: exit code 2. */
    signal(SIGPIPE, SIG_IGN);
    /* Once per program (main opens one input), before any thread. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        msg("%s: libcurl cannot be initialised", o->in_path);
        return RC_INTERNAL;
    }
    struct http_source *h = xmalloc(sizeof *h);
    memset(h, 0, sizeof *h);
    h->url = o->in_path;
    h->verbose = o->verbosity > 1;
    h->stall_ms = o->stall_timeout_ms;
    h->retries = o->retries;
    h->retry_delay_ms = o->retry_delay_ms;
    h->multi = curl_multi_init();
    h->easy = curl_easy_init();
    if (!h->multi || !h->easy) {
        if (h->multi) curl_multi_cleanup(h->multi);
        if (h->easy) curl_easy_cleanup(h->easy);
        free(h);
        curl_global_cleanup();
        msg("%s: libcurl cannot make a request (out of memory)", o->in_path);
        return RC_INTERNAL;
    }
    CURL *e = h->easy;
    curl_easy_setopt(e, CURLOPT_URL, h->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, PROG "/" LZ4FRAMED_VERSION_STRING);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L << 10);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)h->stall_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    in->http = h;
    return RC_OK;
}

void http_close_input(struct input *in)
{
    struct http_source *h = in->http;
    if (!h) return;
    if (h->active) curl_multi_remove_handle(h->multi, h->easy);
    curl_easy_cleanup(h->easy);
    curl_multi_cleanup(h->multi);
    curl_slist_free_all(h->headers);
    free(h->spill);
    free(h);
    in->http = NULL;
    curl_global_cleanup();
}

static void start_request(struct http_source *h)
{
    h->req_offset = h->offset;
    h->head_done = 0;
    h->status = 0;
    h->got = 0;
    h->paused = 0;
    h->transient = 0;
    h->discard_body = 0;
    h->errbuf[0] = '\0';
    curl_slist_free_all(h->headers);
    h->headers = NULL;
    if (h->offset > 0) {
        snprintf(h->range, sizeof h->range, "%llu-", (unsigned long long)h->offset);
        curl_easy_setopt(h->easy, CURLOPT_RANGE, h->range);
        /* If-Range: a changed resource comes back whole (200), never as a
         * range of its new version spliced onto the old. */
        const char *v = h->id.etag[0] ? h->id.etag : h->id.last_modified[0] ? h->id.last_modified : NULL;
        if (v) {
            char line[HTTP_VALIDATOR_MAX + 16];
            snprintf(line, sizeof line, "If-Range: %s", v);
            h->headers = curl_slist_append(NULL, line);
        }
    } else {
        curl_easy_setopt(h->easy, CURLOPT_RANGE, (char *)NULL);
    }
    curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, h->headers);
    curl_multi_add_handle(h->multi, h->easy);
    h->active = 1;
    h->requests++;
    h->last_activity = now_ms();
}

static int tls_error(CURLcode c)
{
    switch (c) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return 1;
    default:
        return 0;
    }
}

/* Failures a new connection may cure; anything else ends the download. */
static int retryable(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

/* A request has ended with `code` (or was stalled): the end of the
 * resource, a retry scheduled, or a failure. */
static void request_over(struct http_source *h, CURLcode code, enum outcome how)
{
    curl_multi_remove_handle(h->multi, h->easy);
    h->active = 0;
    if (h->failed || stopped(h)) return;
    const char *why = NULL;
    char reason[CURL_ERROR_SIZE + 64];
    if (how == STALLED) {
        snprintf(reason, sizeof reason, "no data for %u ms", (unsigned)h->stall_ms);
        why = reason;
        __atomic_add_fetch(&h->stalls, 1, __ATOMIC_RELAXED);
    } else if (code == CURLE_WRITE_ERROR && h->transient) {
        snprintf(reason, sizeof reason, "the server answered HTTP status %ld", h->transient);
        why = reason;
    } else if (code == CURLE_OK) {
        uint64_t total = h->expected_end;
        if (h->head_done && (total == HTTP_UNKNOWN_SIZE || h->offset >= total)) {
            h->ended = 1;
            return;
        }
        snprintf(reason, sizeof reason, "the response ended after %llu of %llu bytes", (unsigned long long)h->offset,
                 (unsigned long long)total);
        why = reason;
    } else if (tls_error(code)) {
        fail_with(h, RC_SERVER, "%s: TLS failure: %s", h->url, h->errbuf[0] ? h->errbuf : curl_easy_strerror(code));
        return;
    } else if (retryable(code)) {
        snprintf(reason, sizeof reason, "%s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(code));
        why = reason;
    } else {
        fail_with(h, RC_SERVER, "%s: %s", h->url, h->errbuf[0] ? h->errbuf : curl_easy_strerror(code));
        return;
    }
    if (h->got > 0) h->fails_in_a_row = 0;
    h->fails_in_a_row++;
    if (h->fails_in_a_row > h->retries) {
        fail_with(h, RC_TRANSFER, "%s: %s at offset %llu, and %u attempts in a row made no progress; giving up",
                  h->url, why, (unsigned long long)h->offset, h->fails_in_a_row);
        return;
    }
    double delay = h->retry_delay_ms;
    for (unsigned k = 1; k < h->fails_in_a_row && delay < 30000; k++) delay *= 2;
    if (delay > 30000) delay = 30000;
    h->retry_at = now_ms() + delay;
    __atomic_add_fetch(&h->reconnects, 1, __ATOMIC_RELAXED);
    if (h->verbose)
        msg("%s: %s at offset %llu; reconnecting in %.0f ms (attempt %u of %u)", h->url, why,
            (unsigned long long)h->offset, delay, h->fails_in_a_row, h->retries);
}

/* Drives the transfer once: starts a due request, moves data, notes the
 * end of a request, detects a stall, waits up to `wait_ms` for activity
 * (or for the next attempt's time). */
static void drive(struct http_source *h, int wait_ms)
{
    double t = now_ms();
    if (!h->active && !h->ended && !h->failed) {
        if (t < h->retry_at) {
            double left = h->retry_at - t;
            int w = left < wait_ms ? (int)left + 1 : wait_ms;
            curl_multi_poll(h->multi, NULL, 0, w, NULL);
            return;
        }
        start_request(h);
    }
    unsigned before = h->events;
    int running = 0;
    curl_multi_perform(h->multi, &running);
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(h->multi, &left)))
        if (m->msg == CURLMSG_DONE && m->easy_handle == h->easy && h->active)
            request_over(h, m->data.result, FINISHED);
    if (!h->active) return;
    t = now_ms();
    if (h->stall_ms && t - h->last_activity > h->stall_ms) {
        request_over(h, CURLE_OK, STALLED);
        return;
    }
    /* Wait for the socket only when this round brought nothing: the caller
     * looks at what it brought first. */
    if (wait_ms > 0 && h->events == before) {
        int w = wait_ms;
        double until_stall = h->last_activity + h->stall_ms - t;
        if (h->stall_ms && until_stall + 1 < w) w = (int)until_stall + 1;
        curl_multi_poll(h->multi, NULL, 0, w < 1 ? 1 : w, NULL);
    }
}

int http_start(struct http_source *h, uint64_t offset, const struct http_identity *expect)
{
    h->offset = h->first_offset = offset;
    if (expect) {
        h->id = *expect;
        h->have_id = 1;
        h->resuming = 1;
    }
    /* Until the first response's head is accepted (or the attempts fail). */
    while (!h->head_done && !h->failed && !h->ended) drive(h, 200);
    if (h->failed) return http_failure(h);
    h->resuming = 0; /* from now on a change is a mid-download one */
    return RC_OK;
}

const struct http_identity *http_identity(const struct http_source *h)
{
    return &h->id;
}

ssize_t http_read(void *arg, unsigned char *buf, size_t cap)
{
    struct http_source *h = arg;
    size_t n = 0;
    if (h->spill_pos < h->spill_len) {
        n = h->spill_len - h->spill_pos;
        if (n > cap) n = cap;
        memcpy(buf, h->spill + h->spill_pos, n);
        h->spill_pos += n;
        if (n == cap) return (ssize_t)n;
    }
    h->target = buf;
    h->target_cap = cap;
    h->target_len = n;
    /* The time the caller spent elsewhere is not the server's stall. */
    h->last_activity = now_ms();
    if (h->paused && h->active) {
        /* Resuming may hand over the piece kept back at once. */
        h->paused = 0;
        curl_easy_pause(h->easy, CURLPAUSE_CONT);
    }
    for (;;) {
        if (stopped(h)) {
            fail_with(h, RC_INTERNAL, "%s: interrupted", h->url);
            break;
        }
        if (h->target_len == h->target_cap || h->ended || h->failed) break;
        size_t before = h->target_len;
        /* With bytes in hand, wait no longer than it takes to see that
         * nothing more is ready right now. */
        drive(h, before > 0 ? 0 : 250);
        if (before > 0 && h->target_len == before) break;
    }
    n = h->target_len;
    h->target = NULL;
    h->target_cap = h->target_len = 0;
    if (n > 0) return (ssize_t)n;
    if (h->failed) {
        errno = EIO; /* the reader's failure, not an end; http_failure says why */
        return -1;
    }
    return 0;
}

void http_wake(void *arg)
{
    struct http_source *h = arg;
    __atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
    curl_multi_wakeup(h->multi);
}

int http_failure(struct http_source *h)
{
    msg("%s", h->message);
    return h->rc;
}

void http_note(void *arg, char *buf, size_t cap)
{
    struct http_source *h = arg;
    /* Called by the main thread while the reader's thread counts. */
    unsigned reconnects = __atomic_load_n(&h->reconnects, __ATOMIC_RELAXED);
    unsigned stalls = __atomic_load_n(&h->stalls, __ATOMIC_RELAXED);
    if (reconnects == 0)
        snprintf(buf, cap, "%s", "");
    else
        snprintf(buf, cap, ", %u reconnect%s (%u stalled)", reconnects, reconnects == 1 ? "" : "s", stalls);
}

void http_report(const struct http_source *h)
{
    msg("%s: received %llu bytes from offset %llu in %u request%s (%u reconnects, %u after a stall)", h->url,
        (unsigned long long)h->received, (unsigned long long)h->first_offset, h->requests, h->requests == 1 ? "" : "s",
        h->reconnects, h->stalls);
}

const char *http_support(void)
{
    static char line[512];
    snprintf(line, sizeof line, "URL input: %s", curl_version());
    return line;
}

#endif /* LZ4FRAMED_HAVE_CURL */
