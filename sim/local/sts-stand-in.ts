import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for STS's AssumeRole over its real protocol (form-encoded query API, XML answer), so the SDK's STSClient
 * signs, sends and parses as it does against AWS. It does not evaluate trust policies: it records each call's role,
 * session name and tags for the test to check, and answers credentials valid for the asked DurationSeconds on `nowMs`.
 * For the tenant-scope tests and bench (STS itself cannot run here).
 */
export interface AssumeRoleCall {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationS: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface StsStandIn {
  readonly endpoint: string;
  readonly calls: AssumeRoleCall[];
  stop(): Promise<void>;
}

function callOf(form: URLSearchParams): AssumeRoleCall {
  const tags: Record<string, string> = {};
  for (let i = 1; form.has(`Tags.member.${i}.Key`); i += 1) {
    tags[form.get(`Tags.member.${i}.Key`)!] = form.get(`Tags.member.${i}.Value`) ?? '';
  }
  return {
    roleArn: form.get('RoleArn') ?? '',
    sessionName: form.get('RoleSessionName') ?? '',
    durationS: Number(form.get('DurationSeconds') ?? 3600),
    tags,
  };
}

const answer = (
  call: AssumeRoleCall,
  expiration: string,
) => `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIA${randomBytes(8).toString('hex').toUpperCase()}</AccessKeyId>
      <SecretAccessKey>${randomBytes(20).toString('base64')}</SecretAccessKey>
      <SessionToken>${randomBytes(32).toString('base64')}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROASTANDIN:${call.sessionName}</AssumedRoleId>
      <Arn>${call.roleArn.replace(':role/', ':assumed-role/')}/${call.sessionName}</Arn>
    </AssumedRoleUser>
    <PackedPolicySize>${Object.keys(call.tags).length}</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;

export async function startStsStandIn(nowMs: () => number = Date.now): Promise<StsStandIn> {
  const calls: AssumeRoleCall[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (form.get('Action') !== 'AssumeRole') {
        response
          .writeHead(400, { 'content-type': 'text/xml' })
          .end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
        return;
      }
      const call = callOf(form);
      calls.push(call);
      const expiration = new Date(nowMs() + call.durationS * 1000).toISOString();
      response.writeHead(200, { 'content-type': 'text/xml' }).end(answer(call, expiration));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
