/*
 * A small streaming JSON writer: objects, arrays, strings (escaped, with
 * invalid UTF-8 replaced), integers and booleans, compact or indented.
 * Values inside an object take a key; values inside an array and the
 * top-level value take NULL.
 */
#ifndef IPVLANCTL_JSON_H
#define IPVLANCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json;

struct json *json_new(FILE *out, bool pretty);
void json_free(struct json *j);
unsigned int json_depth(const struct json *j);
void json_end_all(struct json *j);

void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);

void json_str(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_int(struct json *j, const char *key, int64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);

#endif /* IPVLANCTL_JSON_H */
