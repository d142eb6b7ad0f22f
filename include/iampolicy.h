/*
 * `cwguard config iam-policy`: the least-privilege IAM policy a loaded
 * config needs (DESIGN sections 2 and 9). Only the actions the config uses,
 * each on the narrowest resources AWS supports for it; never "Action": "*"
 * nor a service-wide wildcard such as "logs:*".
 *
 * Statements (a statement is left out when the config does not need it):
 *   CloudWatchReadMetrics  cloudwatch:GetMetricData, cloudwatch:ListMetrics
 *                          on "*" (the only resource AWS allows for them)
 *   LogsDescribeLogGroups  logs:DescribeLogGroups on log-group:*
 *   LogsStartQuery         logs:StartQuery on the [logs] log groups
 *   LogsQueryResults       logs:GetQueryResults, logs:StopQuery on "*"
 *                          (no resource-level permissions)
 *   SecretsManagerRead     secretsmanager:GetSecretValue on the referenced
 *                          secrets
 *   SnsPublish             sns:Publish on the sns sinks' topics
 *   StsAssumeRole          sts:AssumeRole on [aws] role_arn
 * Statements are sorted by Sid, actions and resources sorted and unique, so
 * the output is byte-for-byte deterministic.
 */
#ifndef CWG_IAMPOLICY_H
#define CWG_IAMPOLICY_H

struct config;

/* iampolicy_json() flags. */
#define IAMPOLICY_AUDIT		0x01	/* the audit command's actions only */
#define IAMPOLICY_COMPACT	0x02	/* one line instead of indented */

/* Placeholder of the account id when none is given. */
#define IAMPOLICY_ACCOUNT_PLACEHOLDER	"ACCOUNT_ID"

/*
 * The policy document for cfg as JSON text ending in a newline. account is
 * a 12-digit id or NULL (IAMPOLICY_ACCOUNT_PLACEHOLDER); the region is
 * [aws] region, else "*". Caller frees. Never fails (aborts on OOM).
 */
char	*iampolicy_json(const struct config *cfg, const char *account,
	    int flags);

/* "aws", "aws-cn" or "aws-us-gov" for a region (NULL or "*": "aws"). */
const char *iampolicy_partition(const char *region);

#endif
