/* The region grammar and the partition table. */
#include "region.h"
#include "unit.h"

static int valid(const char *r)
{
	return region_valid(r, strlen(r));
}

static void test_valid(void)
{
	static const char *const ok[] = {"us-east-1",      "us-gov-west-1",  "cn-northwest-1",
	                                 "ap-southeast-5", "eu-isoe-west-1", "il-central-1"};
	static const char *const bad[] = {
	        "",        "us-east-1a", "US-EAST-1",  "us-east",
	        "useast1", "us--1",      "u-east-1",   "us-east-1.evil.com",
	        "../x",    "US EAST",    "us-east-1-", "us-east-1\n"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(valid(ok[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (valid(bad[i])) {
			CHECK(!"accepted a bad region");
			fprintf(stderr, "  %s\n", bad[i]);
		}
	CHECK(region_valid("us-east-1", 7) == 0); /* the length counts, not the NUL */
}

static void test_partitions(void)
{
	CHECK_STR(region_partition("us-east-1"), "aws");
	CHECK_STR(region_partition("cn-north-1"), "aws-cn");
	CHECK_STR(region_partition("us-gov-west-1"), "aws-us-gov");
	CHECK_STR(region_partition("us-isob-east-1"), "aws-iso-b");
	CHECK_STR(region_partition("us-iso-east-1"), "aws-iso");
	CHECK(region_partition_in_arns("aws", 3));
	CHECK(region_partition_in_arns("aws-cn", 6));
	CHECK(region_partition_in_arns("aws-us-gov", 10));
	CHECK(!region_partition_in_arns("aws-iso", 7));
	CHECK(!region_partition_in_arns("aws-c", 5));
	CHECK_STR(region_partition_domain("aws-cn"), "amazonaws.com.cn");
	CHECK_STR(region_partition_domain("aws-iso-e"), "cloud.adc-e.uk");
	CHECK(region_partition_domain("aws-mars") == NULL);
}

int main(void)
{
	RUN(test_valid);
	RUN(test_partitions);
	return unit_done("test_region");
}
