/* The JSON writer (see json.h). */
#include <inttypes.h>
#include <stdlib.h>

#include "json.h"

#define JSON_MAX_DEPTH	32

struct json_level {
	bool array;
	unsigned int count;
};

struct json {
	FILE *out;
	bool pretty;
	unsigned int depth;
	struct json_level level[JSON_MAX_DEPTH];
};

struct json *json_new(FILE *out, bool pretty)
{
	struct json *j = calloc(1, sizeof(*j));

	if (j) {
		j->out = out;
		j->pretty = pretty;
	}
	return j;
}

void json_free(struct json *j)
{
	free(j);
}

unsigned int json_depth(const struct json *j)
{
	return j->depth;
}

static void json_indent(struct json *j)
{
	unsigned int i;

	if (!j->pretty)
		return;
	putc('\n', j->out);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Is s[0..] a well-formed UTF-8 sequence? Its length, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

static void json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	putc('"', out);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(out, "\\u%04x", *s);
			} else if (*s < 0x80) {
				putc(*s, out);
			} else if ((n = utf8_len(s)) != 0) {
				fwrite(s, 1, n, out);
				s += n;
				continue;
			} else {
				fputs("\\ufffd", out);
			}
			break;
		}
		s++;
	}
	putc('"', out);
}

/* Separator, indentation and key before a value. */
static void json_prefix(struct json *j, const char *key)
{
	struct json_level *l;

	if (j->depth == 0)
		return;
	l = &j->level[j->depth - 1];
	if (l->count++)
		putc(',', j->out);
	json_indent(j);
	if (!l->array) {
		json_string(j->out, key ? key : "");
		fputs(j->pretty ? ": " : ":", j->out);
	}
}

/* After a complete top-level value. */
static void json_value_done(struct json *j)
{
	if (j->depth == 0)
		putc('\n', j->out);
}

static void json_open(struct json *j, const char *key, bool array)
{
	json_prefix(j, key);
	putc(array ? '[' : '{', j->out);
	if (j->depth < JSON_MAX_DEPTH) {
		j->level[j->depth].array = array;
		j->level[j->depth].count = 0;
	}
	j->depth++;
}

static void json_close(struct json *j, bool array)
{
	unsigned int count;

	if (j->depth == 0)
		return;
	count = j->depth <= JSON_MAX_DEPTH ? j->level[j->depth - 1].count : 0;
	j->depth--;
	if (count)
		json_indent(j);
	putc(array ? ']' : '}', j->out);
	json_value_done(j);
}

void json_obj_begin(struct json *j, const char *key)
{
	json_open(j, key, false);
}

void json_obj_end(struct json *j)
{
	json_close(j, false);
}

void json_arr_begin(struct json *j, const char *key)
{
	json_open(j, key, true);
}

void json_arr_end(struct json *j)
{
	json_close(j, true);
}

/* Close whatever is open, innermost first. */
void json_end_all(struct json *j)
{
	while (j->depth)
		json_close(j, j->depth <= JSON_MAX_DEPTH &&
			   j->level[j->depth - 1].array);
}

void json_str(struct json *j, const char *key, const char *value)
{
	json_prefix(j, key);
	json_string(j->out, value);
	json_value_done(j);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	json_prefix(j, key);
	fprintf(j->out, "%" PRIu64, value);
	json_value_done(j);
}

void json_int(struct json *j, const char *key, int64_t value)
{
	json_prefix(j, key);
	fprintf(j->out, "%" PRId64, value);
	json_value_done(j);
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_prefix(j, key);
	fputs(value ? "true" : "false", j->out);
	json_value_done(j);
}

void json_null(struct json *j, const char *key)
{
	json_prefix(j, key);
	fputs("null", j->out);
	json_value_done(j);
}
