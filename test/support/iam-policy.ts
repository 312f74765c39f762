import { stringLike } from '../../core/support/string-like.js';
import { requestLeadingKeys } from '../../functions/shared/data/tenant-scope.js';

/**
 * A small evaluator of IAM identity policies, for tests: what AWS would decide for one request by a principal holding
 * these statements (no resource policies, boundaries or SCPs). Explicit Deny wins, then any Allow, else denied.
 * Actions and resources match with `*`/`?`; conditions support the operators the project's policies use
 * (StringEquals, StringLike, their ForAllValues:/ForAnyValue: forms, Null) with IAM's set semantics — notably a
 * `ForAllValues` condition is true for a request that carries no values of the key — and `${aws:PrincipalTag/k}`
 * policy variables substituted from the session's tags (a missing tag matches nothing). Any other operator throws,
 * so a test never passes on a condition this evaluator ignored.
 */
export interface IamStatement {
  readonly Effect: 'Allow' | 'Deny' | string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context keys, e.g. `dynamodb:LeadingKeys`. */
  readonly context: Readonly<Record<string, readonly string[]>>;
  /** The session's tags (`aws:PrincipalTag/<key>`). */
  readonly principalTags: Readonly<Record<string, string>>;
}

const list = <T>(value: T | readonly T[]): readonly T[] => (Array.isArray(value) ? value : [value as T]);

function substitute(pattern: string, tags: Readonly<Record<string, string>>): string | undefined {
  let missing = false;
  const value = pattern.replace(/\$\{aws:PrincipalTag\/([^}]+)\}/g, (_, key: string) => {
    const tag = tags[key];
    if (tag === undefined) missing = true;
    return tag ?? '';
  });
  return missing ? undefined : value;
}

function conditionHolds(operator: string, key: string, patterns: readonly string[], request: IamRequest): boolean {
  const values = request.context[key] ?? [];
  const resolved = patterns.map((p) => substitute(p, request.principalTags)).filter((p) => p !== undefined);
  const [setOperator, base] = operator.includes(':') ? operator.split(':') : [undefined, operator];
  const match = (value: string) =>
    resolved.some((pattern) => (base === 'StringLike' ? stringLike(pattern, value) : pattern === value));
  if (base === 'Null') return (values.length === 0) === (patterns[0] === 'true');
  if (base !== 'StringLike' && base !== 'StringEquals') throw new Error(`condition operator ${operator} not supported`);
  if (setOperator === 'ForAllValues') return values.every(match);
  if (setOperator === 'ForAnyValue') return values.some(match);
  if (setOperator !== undefined) throw new Error(`condition operator ${operator} not supported`);
  return values.length === 1 && match(values[0]!);
}

function statementApplies(statement: IamStatement, request: IamRequest): boolean {
  if (!list(statement.Action).some((a) => stringLike(a, request.action))) return false;
  if (!list(statement.Resource).some((r) => stringLike(r, request.resource))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, patterns]) => conditionHolds(operator, key, list(patterns), request)),
  );
}

export function iamAllows(statements: readonly IamStatement[], request: IamRequest): boolean {
  const applying = statements.filter((s) => statementApplies(s, request));
  return !applying.some((s) => s.Effect === 'Deny') && applying.some((s) => s.Effect === 'Allow');
}

const ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/**
 * The IAM requests DynamoDB authorizes for one document-client command: one per command, except transactions, which
 * DynamoDB authorizes item by item as the item's own action (TransactWriteItems is not an IAM action).
 */
export function dynamoIamRequests(
  command: { readonly input: object; readonly constructor: { readonly name: string } },
  tableArn: string,
): { action: string; resource: string; leadingKeys: string[] }[] {
  const input = command.input as Record<string, unknown>;
  const operation = command.constructor.name.replace(/Command$/, '');
  const keys = requestLeadingKeys(input).filter((k) => k !== undefined);
  if (Array.isArray(input.TransactItems)) {
    return (input.TransactItems as Record<string, unknown>[]).map((entry, i) => ({
      action: `dynamodb:${ITEM_ACTIONS[Object.keys(entry)[0]!]}`,
      resource: tableArn,
      leadingKeys: keys[i] === undefined ? [] : [keys[i]!],
    }));
  }
  const action = { Get: 'GetItem', Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem' }[operation] ?? operation;
  const fullAction = action.startsWith('Batch') ? `${action}Item` : action;
  return [
    {
      action: `dynamodb:${fullAction}`,
      resource: input.IndexName ? `${tableArn}/index/${input.IndexName}` : tableArn,
      leadingKeys: keys,
    },
  ];
}
