/**
 * A small evaluator of AWS IoT Core policy documents, for tests: Allow statements only (our policies have no Deny),
 * actions matched exactly, resources matched as IoT does — policy variables substituted for the connecting thing,
 * `*` any run of characters and `?` one character. Enough to answer "may this certificate do that".
 */
export interface IotPolicyStatement {
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: unknown;
}

const list = <T>(value: T | readonly T[]): readonly T[] => (Array.isArray(value) ? value : [value as T]);

function resourcePattern(resource: string, thingName: string): RegExp {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: IoT's policy variable, literally as it appears in policies
  const substituted = resource.replaceAll('${iot:Connection.Thing.ThingName}', thingName);
  const escaped = substituted
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${escaped}$`);
}

/** True when a certificate attached to `thingName` may perform `action` on `resourceArn`. */
export function iotPolicyAllows(
  statements: readonly IotPolicyStatement[],
  thingName: string,
  action: string,
  resourceArn: string,
): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).includes(action) &&
      list(s.Resource).some((r) => resourcePattern(r, thingName).test(resourceArn)),
  );
}
