import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { PLACEHOLDER_AWS } from '../placeholder-aws.js';

/**
 * Pulls a state machine's Amazon States Language out of a synthesized CloudFormation template. CDK writes the
 * definition as `Fn::Join` over literal JSON fragments and `Ref`/`Fn::GetAtt` of the resources it calls; locally those
 * resolve to placeholder names and ARNs built from the logical ids, so a state's Resource/Parameters stay readable
 * and the local handlers are bound by state name, never by ARN.
 */

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: unknown }>;
}

export { PLACEHOLDER_AWS };

export interface ResolveOptions {
  /**
   * Values that replace the placeholders: `LogicalId` for a `Ref`, `LogicalId.Attribute` for an `Fn::GetAtt`
   * (e.g. the local table name for `Ref: Table`).
   */
  readonly resolvedValues?: Readonly<Record<string, string>>;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const { partition, region, accountId } = PLACEHOLDER_AWS;

export const placeholderLambdaArn = (logicalId: string) =>
  `arn:${partition}:lambda:${region}:${accountId}:function:${logicalId}`;

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': PLACEHOLDER_AWS.partition,
  'AWS::Region': PLACEHOLDER_AWS.region,
  'AWS::AccountId': PLACEHOLDER_AWS.accountId,
  'AWS::URLSuffix': PLACEHOLDER_AWS.urlSuffix,
  'AWS::StackName': 'LocalStack',
  'AWS::NoValue': '',
};

function placeholderArn(logicalId: string, type: string): string {
  switch (type) {
    case 'AWS::Lambda::Function':
      return placeholderLambdaArn(logicalId);
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${partition}:states:${region}:${accountId}:stateMachine:${logicalId}`;
    case 'AWS::DynamoDB::Table':
      return `arn:${partition}:dynamodb:${region}:${accountId}:table/${logicalId}`;
    case 'AWS::SQS::Queue':
      return `arn:${partition}:sqs:${region}:${accountId}:${logicalId}`;
    default: {
      const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
      return `arn:${partition}:${service}:${region}:${accountId}:${logicalId}`;
    }
  }
}

function resolveRef(name: string, template: CfnTemplate, options: ResolveOptions): string {
  const override = options.resolvedValues?.[name];
  if (override !== undefined) return override;
  const pseudo = PSEUDO_PARAMETERS[name];
  if (pseudo !== undefined) return pseudo;
  const parameter = template.Parameters?.[name];
  if (parameter) return parameter.Default === undefined ? name : String(parameter.Default);
  const resource = template.Resources?.[name];
  if (!resource) throw new TemplateError(`Ref to unknown logical id '${name}'`);
  // Ref of an SNS topic or SQS queue is its ARN/URL in CloudFormation; the logical id is a readable stand-in.
  return name;
}

function resolveGetAtt(logicalId: string, attribute: string, template: CfnTemplate, options: ResolveOptions) {
  const override = options.resolvedValues?.[`${logicalId}.${attribute}`];
  if (override !== undefined) return override;
  const resource = template.Resources?.[logicalId];
  if (!resource) throw new TemplateError(`Fn::GetAtt of unknown logical id '${logicalId}'`);
  return attribute === 'Arn' ? placeholderArn(logicalId, resource.Type) : `${logicalId}.${attribute}`;
}

function resolveSub(value: unknown, template: CfnTemplate, options: ResolveOptions): string {
  const [text, variables] = Array.isArray(value) ? value : [value, {}];
  if (typeof text !== 'string') throw new TemplateError('Fn::Sub expects a string');
  const locals = resolveIntrinsics(variables ?? {}, template, options) as Record<string, unknown>;
  return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
    if (name in locals) return String(locals[name]);
    const [id, attribute] = name.split('.', 2) as [string, string | undefined];
    return attribute ? resolveGetAtt(id, attribute, template, options) : resolveRef(id, template, options);
  });
}

/** Resolves the intrinsic functions a state machine definition uses, recursively; anything else is a TemplateError. */
export function resolveIntrinsics(value: unknown, template: CfnTemplate, options: ResolveOptions = {}): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, template, options));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [name, argument] = first;
    switch (name) {
      case 'Ref':
        return resolveRef(String(argument), template, options);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(argument) ? argument : String(argument).split('.', 2);
        return resolveGetAtt(String(id), String(attribute), template, options);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        const resolved = resolveIntrinsics(parts, template, options) as unknown[];
        return resolved.map(String).join(separator);
      }
      case 'Fn::Sub':
        return resolveSub(argument, template, options);
      case 'Fn::Select': {
        const [index, list] = resolveIntrinsics(argument, template, options) as [number, unknown[]];
        return list[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, text] = resolveIntrinsics(argument, template, options) as [string, string];
        return text.split(separator);
      }
      default:
        throw new TemplateError(`intrinsic function ${name} is not supported locally`);
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveIntrinsics(item, template, options)]));
}

/** The one `AWS::StepFunctions::StateMachine` whose logical id starts with `logicalIdPrefix`. */
export function findStateMachine(
  template: CfnTemplate,
  logicalIdPrefix: string,
): { logicalId: string; resource: CfnResource } {
  const machines = Object.entries(template.Resources ?? {}).filter(
    ([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  const matches = machines.filter(([logicalId]) => logicalId.startsWith(logicalIdPrefix));
  const names = machines.map(([logicalId]) => logicalId).join(', ') || 'none';
  if (matches.length === 0) {
    throw new TemplateError(`no state machine with logical id prefix '${logicalIdPrefix}' (template has: ${names})`);
  }
  if (matches.length > 1) {
    throw new TemplateError(`logical id prefix '${logicalIdPrefix}' is ambiguous (matches: ${names})`);
  }
  const [logicalId, resource] = matches[0]!;
  return { logicalId, resource };
}

/** Returns the state machine's definition with every intrinsic resolved, ready for aws-local-stepfunctions. */
export function extractAsl(
  template: CfnTemplate,
  logicalIdPrefix: string,
  options: ResolveOptions = {},
): StateMachineDefinition {
  const { logicalId, resource } = findStateMachine(template, logicalIdPrefix);
  const properties = resource.Properties ?? {};
  if (properties.Definition !== undefined) {
    return resolveIntrinsics(properties.Definition, template, options) as StateMachineDefinition;
  }
  if (properties.DefinitionString === undefined) {
    throw new TemplateError(
      `state machine ${logicalId} has no inline definition (DefinitionS3Location is not supported)`,
    );
  }
  let text = String(resolveIntrinsics(properties.DefinitionString, template, options));
  const substitutions = resolveIntrinsics(properties.DefinitionSubstitutions ?? {}, template, options) as Record<
    string,
    unknown
  >;
  for (const [name, value] of Object.entries(substitutions)) {
    text = text.split(`\${${name}}`).join(String(value));
  }
  try {
    return JSON.parse(text) as StateMachineDefinition;
  } catch (error) {
    throw new TemplateError(`state machine ${logicalId}: definition is not JSON (${(error as Error).message})`);
  }
}
