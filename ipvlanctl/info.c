/* ipvlanctl info: the module's version and features. */
#include "cli.h"

const char cli_info_usage[] = "ipvlanctl info";

static void info_features(struct cli *c, uint32_t features)
{
	struct json *j = cli_json(c);
	uint32_t bit;
	char hex[16];

	if (j)
		json_arr_begin(j, "features");
	for (bit = 1; bit; bit <<= 1) {
		const char *name;

		if (!(features & bit))
			continue;
		name = ipvl_feature_name(bit);
		if (!name) {
			snprintf(hex, sizeof(hex), "0x%x", bit);
			name = hex;
		}
		if (j)
			json_str(j, NULL, name);
		else
			printf(" %s", name);
	}
	if (j)
		json_arr_end(j);
}

int cli_info(struct cli *c, int argc, char **argv)
{
	struct ipvl_info info;
	struct json *j;
	int ret, err;

	if (argc > 0 && cli_is(argv[0], "help") && argc == 1)
		return cli_help_usage(c, cli_info_usage);
	if (argc > 0)
		return cli_junk(c, "info", argv[0]);

	ret = cli_handle(c);
	if (ret)
		return ret;
	err = ipvl_get_info(c->h, &info);
	if (err)
		return cli_kernel_error(c, err);

	j = cli_json(c);
	if (j) {
		json_obj_begin(j, "info");
		json_str(j, "module-version", info.module_version);
		json_uint(j, "family-version", info.family_version);
		info_features(c, info.features);
		json_obj_end(j);
	} else {
		printf("module %s family-version %u\nfeatures",
		       info.module_version, info.family_version);
		info_features(c, info.features);
		putchar('\n');
	}
	cli_warning(c);
	return EXIT_OK;
}
