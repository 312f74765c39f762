import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import type { Role } from '../../core/api/principal.js';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Response headers the document describes once (functions/api/openapi/document.ts RESPONSE_HEADERS). */
export type ResponseHeaderName = 'Location' | 'Idempotent-Replayed' | 'Retry-After' | 'ETag' | 'HCP-Evidence-SHA256';

export interface RouteResponse {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** The headers this response carries. @default none */
  readonly headers?: readonly ResponseHeaderName[];
  /** Also served as text/csv (on `format=csv`). @default JSON only */
  readonly csv?: boolean;
  /** Also served as text/html (on `format=html` or `Accept: text/html`). @default not */
  readonly html?: boolean;
}

/**
 * One API route, described once and used three times: the CDK ApiStack builds the method and its Lambda from
 * `entry`, the local platform serves `load()` behind the local API Gateway adapter, and the OpenAPI document is
 * generated from `request` and `responses`. Handlers still validate their own input (`request` is documentation and
 * the contract the fuzz tests are generated from, not a second validator that could disagree).
 */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway resource template, e.g. `/v1/workloads/{workloadId}`. */
  readonly resource: string;
  /** The handler module for the Lambda bundle, relative to the project root, exporting `handler`. */
  readonly entry: string;
  /** Roles allowed to call it; `public` skips the authorizer. */
  readonly roles: readonly Role[] | 'public';
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly request?: {
    readonly path?: z.ZodType;
    readonly query?: z.ZodType;
    readonly headers?: z.ZodType;
    readonly body?: z.ZodType;
  };
  /** By status code; a schema-less entry has no body (e.g. 204). */
  readonly responses: Readonly<Record<number, RouteResponse>>;
  /** The handler starts SwitchFlow executions (operator overrides): its Lambda gets states:StartExecution on it. */
  readonly startsSwitchFlow?: boolean;
  /** The handler publishes operators' GPU node commands: its Lambda gets iot:Publish on the sites' command topics. */
  readonly publishesGpuNodeCommands?: boolean;
  /** The handler publishes customers' cancellations to the sites' `job-cancels` topics (iot:Publish on those). */
  readonly publishesJobCancels?: boolean;
  /**
   * The handler changes the site registry and publishes the gateway configuration to the site's named shadow: its
   * Lambda gets iot:UpdateThingShadow on that shadow name of the things, and no other shadow.
   */
  readonly publishesSiteConfig?: boolean;
  /**
   * The handler stores M&V evidence write-once (the evidence bucket, Object Lock) and records its hash in the audit
   * chain: its Lambda gets the bucket's put/get under `grid-events/` and write access to the table, even on a GET.
   */
  readonly writesEvidence?: boolean;
  /** The handler onboards and revokes gateway certificates: its Lambda gets the IoT registry calls that takes. */
  readonly managesGatewayIdentities?: boolean;
  /**
   * Every table request of the handler goes through a tenant-scoped client (tenantApiHandler): its Lambda gets no
   * table access of its own, only the right to assume the tenant-data role with session tags (#23 item 5).
   */
  readonly tenantScoped?: boolean;
  /**
   * The handler reads the telemetry history (#27): in AWS its Lambda gets the Athena workgroup, the sink's Glue
   * tables and data, and the query results bucket (the history store's grant).
   */
  readonly readsTelemetryHistory?: boolean;
  /**
   * The handler merges the history of every region's store (functions/telemetry-history/history.ts
   * `mergedSiteTelemetry`): in a multi-region deployment its Lambda also gets the other regions' stores, by name.
   */
  readonly readsEveryRegionHistory?: boolean;
  /** The handler itself, imported lazily so loading the table costs nothing. */
  readonly load: () => Promise<ProxyHandler>;
}
