/*
 * The agent line scanner of src/flows/agent-scan.ts (scanAgentBytes) in C, for the counting pass of
 * `flows summary`, `replay` and `advise`: the same rules, line for line, so that a line it reads is
 * read exactly as the JavaScript scanner reads it, and a line it leaves (kind 0) goes to the string
 * path as before. It may leave more lines than the JavaScript scanner does, never read one otherwise
 * (test/flows/native-scan.test.ts holds the two to each other on random and mutated lines).
 *
 * Why C: the JavaScript scanner costs about a microsecond per line, as much as everything else the
 * counting pass does; here a line costs a small fraction of that.
 *
 * Use from JavaScript (src/flows/native-scan.ts): output(records, times) once per thread, chunk(buffer)
 * whenever the bytes change, then lines(from, to), which splits the lines ended by a newline as the
 * JavaScript reader does and scans each, a record per line: start, end, kind, and when the kind is a
 * flow srcStart, srcEnd, restStart, restEnd, srcPort, srcIp, dstIp, meta, and the time in times.
 * One call per batch of lines, not per line: a call into C costs about as much as scanning a line.
 * State is per thread: each worker thread loads its own instance.
 */
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>

enum { SLOW = 0, FLOW = 1, SKIP = 2 };

static _Thread_local const uint8_t *chunk_bytes;
static _Thread_local size_t chunk_length;
/* where scan_line writes a line's fields: inside the record lines() is filling */
static _Thread_local int32_t *out_ints;
static _Thread_local double *out_times;
static _Thread_local napi_ref out_refs[2];

#define LIT(s) (const uint8_t *)(s), (sizeof(s) - 1)

static int is_key(const uint8_t *b, size_t at, size_t end, const uint8_t *key, size_t n) {
  return end - at == n && memcmp(b + at, key, n) == 0;
}

static int has(const uint8_t *b, size_t at, size_t end, const uint8_t *lit, size_t n) {
  return end >= at && end - at >= n && memcmp(b + at, lit, n) == 0;
}

/* bytes of a word that may be a quote, backslash, control byte, DEL or non-ASCII byte, as high bits;
   the lowest flagged byte surely is one (a borrow may flag bytes above it) */
static uint64_t special(uint64_t x) {
  const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\'), del = x ^ (ones * 0x7f);
  return (((q - ones) & ~q) | ((bs - ones) & ~bs) | ((del - ones) & ~del) | ((x - ones * 0x20) & ~x) | x) & highs;
}

/* the closing quote of a plain string starting at i, or -1 for a backslash, control byte, DEL or non-ASCII byte */
static long string_end(const uint8_t *b, size_t i, size_t end) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  /* eight bytes at a time; the first flagged byte in text order is the lowest */
  for (; i + 8 <= end; i += 8) {
    uint64_t x;
    memcpy(&x, b + i, 8);
    uint64_t m = special(x);
    if (m) {
      i += (size_t)__builtin_ctzll(m) >> 3;
      return b[i] == '"' ? (long)i : -1;
    }
  }
#endif
  for (; i < end; i++) {
    uint8_t c = b[i];
    if (c == '"') return (long)i;
    if (c == '\\' || c < 32 || c > 126) return -1;
  }
  return -1;
}

static size_t skip_spaces(const uint8_t *b, size_t i, size_t end) {
  while (i < end && b[i] == ' ') i++;
  return i;
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static size_t word_end(const uint8_t *b, size_t i, size_t end, int slash) {
  for (; i < end; i++) {
    uint8_t c = b[i];
    if (!(is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (slash && c == '/'))) break;
  }
  return i;
}

static size_t digits_end(const uint8_t *b, size_t i, size_t end) {
  while (i < end && is_digit(b[i])) i++;
  return i;
}

/* n digits at `at` as a number, or -1 */
static long long num(const uint8_t *b, size_t at, size_t n) {
  long long v = 0;
  for (size_t k = at; k < at + n; k++) {
    if (!is_digit(b[k])) return -1;
    v = v * 10 + (b[k] - '0');
  }
  return v;
}

/* days from 1970-01-01 to the first of the month (the proleptic Gregorian calendar, as Date.parse counts) */
static long long days_to_month(long long y, long long m) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/*
 * isoMillisBytes: `YYYY-MM-DDTHH:MM:SS.mmmZ` in milliseconds, or NaN. Date.parse takes a day of 1 to
 * 31 in any month (30 February is 2 March), and so does this.
 */
static double iso_millis(const uint8_t *b, size_t at, size_t end) {
  if (end - at != 24 || b[at + 23] != 'Z' || b[at + 10] != 'T' || b[at + 13] != ':' || b[at + 16] != ':' || b[at + 19] != '.' || b[at + 4] != '-' || b[at + 7] != '-') return NAN;
  long long y = num(b, at, 4), mo = num(b, at + 5, 2), d = num(b, at + 8, 2), h = num(b, at + 11, 2), m = num(b, at + 14, 2), s = num(b, at + 17, 2), ms = num(b, at + 20, 3);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59 || ms < 0) return NAN;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return NAN;
  long long days = days_to_month(y, mo) + d - 1;
  return (double)(days * 86400000LL + h * 3600000LL + m * 60000LL + s * 1000LL + ms);
}

static int word_code(const uint8_t *b, size_t s, size_t e, const char *w1, const char *w2, const char *w3) {
  if (is_key(b, s, e, (const uint8_t *)w1, strlen(w1))) return 1;
  if (is_key(b, s, e, (const uint8_t *)w2, strlen(w2))) return 2;
  if (w3 && is_key(b, s, e, (const uint8_t *)w3, strlen(w3))) return 3;
  return 0;
}

static long plain_port(const uint8_t *b, size_t s, size_t e) {
  if (e - s > 5 || (b[s] == '0' && e - s > 1)) return -1;
  long long v = num(b, s, e - s);
  return v > 65535 ? -1 : (long)v;
}

/* a dotted-quad IPv4 address in [s, e) without leading zeros, or -1 */
static long long plain_ipv4(const uint8_t *b, size_t s, size_t e) {
  long long v = 0;
  int octets = 0;
  size_t i = s;
  for (;;) {
    size_t from = i;
    long x = 0;
    while (i < e && is_digit(b[i]) && i - from < 3) x = x * 10 + (b[i++] - '0');
    if (i == from || x > 255 || (b[from] == '0' && i - from > 1)) return -1;
    v = v * 256 + x;
    if (++octets == 4) return i == e ? v : -1;
    if (i >= e || b[i] != '.') return -1;
    i++;
  }
}

static int scan_line(const uint8_t *b, size_t start, size_t end) {
  size_t i = skip_spaces(b, start, end);
  if (i >= end || b[i] != '{') return SLOW;
  i = skip_spaces(b, i + 1, end);
  long msg_at = -1, msg_end = -1, ts_at = -1, ts_end = -1, time_at = -1, time_end = -1, stamp_at = -1, stamp_end = -1;
  if (i < end && b[i] == '}') {
    i++;
  } else {
    for (;;) {
      if (i >= end || b[i] != '"') return SLOW;
      size_t ks = i + 1;
      long ke = string_end(b, ks, end);
      if (ke < 0) return SLOW;
      i = skip_spaces(b, (size_t)ke + 1, end);
      if (i >= end || b[i] != ':') return SLOW;
      i = skip_spaces(b, i + 1, end);
      if (i >= end || b[i] != '"') return SLOW;
      size_t vs = i + 1;
      long ve = string_end(b, vs, end);
      if (ve < 0) return SLOW;
      /* later duplicates win, as in JSON.parse */
      if (is_key(b, ks, (size_t)ke, LIT("msg"))) msg_at = (long)vs, msg_end = ve;
      else if (is_key(b, ks, (size_t)ke, LIT("ts"))) ts_at = (long)vs, ts_end = ve;
      else if (is_key(b, ks, (size_t)ke, LIT("time"))) time_at = (long)vs, time_end = ve;
      else if (is_key(b, ks, (size_t)ke, LIT("timestamp"))) stamp_at = (long)vs, stamp_end = ve;
      else if (is_key(b, ks, (size_t)ke, LIT("Src IP"))) return SLOW;
      i = skip_spaces(b, (size_t)ve + 1, end);
      if (i < end && b[i] == ',') {
        i = skip_spaces(b, i + 1, end);
        continue;
      }
      if (i >= end || b[i] != '}') return SLOW;
      i++;
      break;
    }
  }
  i = skip_spaces(b, i, end);
  if (i != end) return SLOW;
  if (msg_at < 0 || !has(b, (size_t)msg_at, (size_t)msg_end, LIT("Flow Info"))) return SKIP;
  size_t me = (size_t)msg_end;
  if (!has(b, (size_t)msg_at, me, LIT("Flow Info: Src IP: "))) return SLOW;
  size_t p = (size_t)msg_at + sizeof("Flow Info: Src IP: ") - 1;
  size_t src_start = p;
  while (p < me && b[p] != ' ') p++;
  if (p == src_start || !has(b, p, me, LIT(" Src Port: "))) return SLOW;
  size_t src_end = p;
  p += sizeof(" Src Port: ") - 1;
  size_t port_start = p;
  p = digits_end(b, p, me);
  if (p == port_start || p - port_start > 9 || !has(b, p, me, LIT(" Dest IP: "))) return SLOW;
  long long src_port = num(b, port_start, p - port_start);
  size_t rest_start = p + sizeof(" Dest IP: ") - 1;
  p = rest_start;
  while (p < me && b[p] != ' ') p++;
  if (p == rest_start || !has(b, p, me, LIT(" Dest Port: "))) return SLOW;
  size_t dst_end = p;
  p += sizeof(" Dest Port: ") - 1;
  size_t dport_start = p;
  p = digits_end(b, p, me);
  if (p == dport_start || !has(b, p, me, LIT(" Proto "))) return SLOW;
  size_t dport_end = p;
  p += sizeof(" Proto ") - 1;
  size_t proto_start = p;
  p = word_end(b, p, me, 0);
  if (p == proto_start || !has(b, p, me, LIT(" Verdict "))) return SLOW;
  size_t proto_end = p;
  p += sizeof(" Verdict ") - 1;
  size_t verdict_start = p;
  p = word_end(b, p, me, 1);
  if (p == verdict_start) return SLOW;
  size_t rest_end = p, verdict_end = p;
  int dir_code = 0;
  if (p != me) {
    if (!has(b, p, me, LIT(" Direction "))) return SLOW;
    p += sizeof(" Direction ") - 1;
    size_t dir_start = p;
    p = word_end(b, p, me, 0);
    if (p == dir_start || !has(b, p, me, LIT(", Tier "))) return SLOW;
    dir_code = word_code(b, dir_start, p, "ingress", "egress", NULL);
    if (dir_code == 0) dir_code = -1;
    rest_end = p;
    p += sizeof(", Tier ") - 1;
    size_t tier_start = p;
    p = word_end(b, p, me, 0);
    if (p == tier_start || p != me) return SLOW;
  }
  /* the time: ts, else time, else timestamp, as parseAgentLine picks it */
  double time = NAN;
  long ta = ts_at >= 0 ? ts_at : time_at >= 0 ? time_at : stamp_at;
  long te = ts_at >= 0 ? ts_end : time_at >= 0 ? time_end : stamp_end;
  if (ta >= 0) {
    time = iso_millis(b, (size_t)ta, (size_t)te);
    if (isnan(time)) return SLOW;
  }
  int32_t *o = out_ints;
  o[0] = (int32_t)src_start;
  o[1] = (int32_t)src_end;
  o[2] = (int32_t)rest_start;
  o[3] = (int32_t)rest_end;
  o[4] = (int32_t)src_port;
  o[7] = -1;
  out_times[0] = time;
  int proto = word_code(b, proto_start, proto_end, "TCP", "UDP", "SCTP");
  int verdict = word_code(b, verdict_start, verdict_end, "ACCEPT", "DENY", "EXPIRED/DELETED");
  long dport = plain_port(b, dport_start, dport_end);
  if (proto == 0 || verdict == 0 || dir_code < 0 || dport < 0) return FLOW;
  long long src_ip = plain_ipv4(b, src_start, src_end);
  long long dst_ip = src_ip < 0 ? -1 : plain_ipv4(b, rest_start, dst_end);
  if (dst_ip < 0) return FLOW;
  o[5] = (int32_t)(uint32_t)src_ip;
  o[6] = (int32_t)(uint32_t)dst_ip;
  /* 16 bits of port, 2 of protocol, 2 of verdict, 2 of direction */
  o[7] = (int32_t)(dport | (proto << 16) | (verdict << 18) | (dir_code << 20));
  return FLOW;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static int typed_data(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok) return 0;
  return type == want;
}

/* the call's first n arguments into argv (unset ones undefined); answers how many were passed */
static size_t arguments(napi_env env, napi_callback_info info, napi_value *argv, size_t n) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return argc;
}

/* a line's record: start, end (before the newline), kind, then scan_line's eight fields */
#define STRIDE 11

static _Thread_local int32_t *records;
static _Thread_local double *record_times;
static _Thread_local size_t record_capacity;

/* output(records: Int32Array(STRIDE * n), times: Float64Array(n)): where lines() writes, kept referenced */
static napi_value output(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = arguments(env, info, argv, 2);
  void *ints, *times;
  size_t ni, nt;
  if (argc < 2 || !typed_data(env, argv[0], napi_int32_array, &ints, &ni) || !typed_data(env, argv[1], napi_float64_array, &times, &nt) || nt < 1 || ni < STRIDE * nt) return throw_type(env, "output(Int32Array(11 n), Float64Array(n))");
  for (int k = 0; k < 2; k++) {
    if (out_refs[k]) napi_delete_reference(env, out_refs[k]);
    napi_create_reference(env, argv[k], 1, &out_refs[k]);
  }
  records = ints;
  record_times = times;
  record_capacity = nt;
  return NULL;
}

/* chunk(bytes: Uint8Array): the bytes lines() reads, until the next call (the caller keeps them alive) */
static napi_value chunk(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = arguments(env, info, argv, 1);
  void *data;
  size_t n;
  if (argc < 1 || !typed_data(env, argv[0], napi_uint8_array, &data, &n)) return throw_type(env, "chunk(Uint8Array)");
  chunk_bytes = data;
  chunk_length = n;
  return NULL;
}

/*
 * lines(from, to): the lines of the chunk that start at `from` and end with a newline before `to`, as
 * many as there is room for, each a record (a carriage return before the newline is not the line's,
 * as the JavaScript reader splits); answers how many. The next line starts after the last record's end.
 */
static napi_value lines(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = arguments(env, info, argv, 2);
  int32_t from = 0, to = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &from) != napi_ok || napi_get_value_int32(env, argv[1], &to) != napi_ok) return throw_type(env, "lines(from, to)");
  if (!records || from < 0 || to < from || (size_t)to > chunk_length) return throw_type(env, "lines(from, to) outside the chunk, or before output()");
  const uint8_t *b = chunk_bytes;
  size_t i = (size_t)from, n = 0;
  while (n < record_capacity && i < (size_t)to) {
    const uint8_t *nl = memchr(b + i, '\n', (size_t)to - i);
    if (!nl) break;
    size_t e = (size_t)(nl - b);
    size_t le = e > i && b[e - 1] == '\r' ? e - 1 : e;
    int32_t *r = records + n * STRIDE;
    r[0] = (int32_t)i;
    r[1] = (int32_t)e;
    out_ints = r + 3;
    out_times = record_times + n;
    r[2] = le == i ? SLOW : scan_line(b, i, le);
    n++;
    i = e + 1;
  }
  napi_value result;
  napi_create_int32(env, (int32_t)n, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"output", NULL, output, NULL, NULL, NULL, napi_default, NULL},
      {"chunk", NULL, chunk, NULL, NULL, NULL, napi_default, NULL},
      {"lines", NULL, lines, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
