/**
 * The live add-on check: DescribeAddon through the AWS SDK for JavaScript v3, with the standard
 * credential chain and region settings (AWS_ENDPOINT_URL_EKS / AWS_ENDPOINT_URL override the
 * endpoint, as in every AWS SDK). Service errors become one clear sentence.
 */

export class AwsError extends Error {
  override name = 'AwsError';
}

export async function describeVpcCniAddon(cluster: string, region: string | undefined): Promise<unknown> {
  // The SDK warns (process.emitWarning, ten lines on stderr) on every Node below 22 that its releases
  // after January 2027 will need Node 22; podwall supports Node 20 and pins the SDK, so the notice is
  // the SDK's and not the user's business. The SDK's own switch turns off that warning only (read when
  // the client is built, @aws-sdk/core emitWarningIfUnsupportedVersion); a value the user set is kept.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { DescribeAddonCommand, EKSClient } = await import('@aws-sdk/client-eks'); // loaded only when asked: it costs start-up
  const client = new EKSClient({ ...(region ? { region } : {}), maxAttempts: 3 });
  try {
    const out = await client.send(new DescribeAddonCommand({ clusterName: cluster, addonName: 'vpc-cni' }));
    if (!out.addon) throw new AwsError(`EKS returned no add-on for cluster ${cluster}`);
    return out.addon;
  } catch (e) {
    throw explain(e, cluster, region);
  } finally {
    client.destroy();
  }
}

function explain(e: unknown, cluster: string, region: string | undefined): Error {
  if (e instanceof AwsError) return e;
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const where = `cluster ${cluster}${region ? ` in ${region}` : ''}`;
  switch (err.name) {
    case 'ResourceNotFoundException':
      return new AwsError(`${where}: not found, or it has no vpc-cni add-on (${err.message ?? 'ResourceNotFoundException'})`);
    case 'AccessDeniedException':
    case 'UnauthorizedException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
      return new AwsError(`${where}: access denied: the credentials need eks:DescribeAddon on this cluster (${err.message ?? err.name})`);
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return new AwsError(`${where}: the EKS API is throttling requests, still after retries; try again later`);
    case 'CredentialsProviderError':
      return new AwsError('no AWS credentials found (environment, shared config/credentials files, SSO, or instance/container role)');
    case 'InvalidParameterException':
      return new AwsError(`${where}: ${err.message ?? 'invalid parameter'}`);
  }
  if (err.message?.includes('Region is missing')) return new AwsError('no AWS region: give --region or set AWS_REGION');
  const status = err.$metadata?.httpStatusCode;
  return new AwsError(`${where}: DescribeAddon failed${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`);
}
