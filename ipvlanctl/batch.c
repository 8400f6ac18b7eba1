/*
 * ipvlanctl -b FILE: commands from a file, one a line ("-" is standard
 * input). Not implemented yet.
 *
 * The plan: each line is split into words (with quotes, # comments) and
 * run by cli_dispatch() with c->file and c->lineno set, so that messages
 * name the line; -force goes on after a failing line. The library's
 * request builder already queues several messages in one buffer with
 * consecutive sequence numbers: consecutive changes will be sent in one
 * send() and their ACKs matched back to their lines.
 */
#include "cli.h"

int cli_batch(struct cli *c, const char *file)
{
	(void)file;
	return cli_not_implemented(c, "batch");
}
