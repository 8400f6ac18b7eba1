/* Module information: get-info. */
#include <errno.h>
#include <string.h>

#include "internal.h"

static const struct ipvl_pol info_pol[IPVL_A_INFO_MAX + 1] = {
	[IPVL_A_INFO_MODULE_VERSION]	= { MNL_TYPE_NUL_STRING, 0 },
	[IPVL_A_INFO_FAMILY_VERSION]	= { MNL_TYPE_U32, 0 },
	[IPVL_A_INFO_FEATURES]		= { MNL_TYPE_U32, 0 },
};

static int info_parse(const struct nlmsghdr *nlh, void *obj)
{
	const struct nlattr *tb[IPVL_A_INFO_MAX + 1];
	struct ipvl_info *info = obj;
	int err;

	err = ipvl_parse_msg(nlh, info_pol, IPVL_A_INFO_MAX, tb);
	if (err)
		return err;
	memset(info, 0, sizeof(*info));
	if (tb[IPVL_A_INFO_MODULE_VERSION])
		ipvl_attr_strcpy(info->module_version,
				 sizeof(info->module_version),
				 tb[IPVL_A_INFO_MODULE_VERSION]);
	if (tb[IPVL_A_INFO_FAMILY_VERSION])
		info->family_version =
			mnl_attr_get_u32(tb[IPVL_A_INFO_FAMILY_VERSION]);
	if (tb[IPVL_A_INFO_FEATURES])
		info->features = mnl_attr_get_u32(tb[IPVL_A_INFO_FEATURES]);
	return 0;
}

IPVL_EXPORT int ipvl_get_info(struct ipvl_handle *h, struct ipvl_info *info)
{
	struct ipvl_req r;
	int err;

	if (!info)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = ipvl_req_op(&r, IPVL_CMD_GET_INFO, 0);
	if (err)
		return err;
	return ipvl_req_do(&r, info_parse, info);
}
