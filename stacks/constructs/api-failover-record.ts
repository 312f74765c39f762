import { Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface ApiFailoverRecordProps {
  readonly api: apigw.RestApi;
  readonly hostedZoneId: string;
  readonly zoneName: string;
  /** The API's one name, e.g. api.example.com. */
  readonly recordName: string;
  /** PRIMARY in the primary region, SECONDARY in the standby. */
  readonly role: 'PRIMARY' | 'SECONDARY';
  /** The API stage the health check calls `/v1/health` on. */
  readonly stageName: string;
}

/**
 * One region's half of the API's one name: a regional custom domain (its own ACM certificate, DNS-validated in the
 * zone) and a Route 53 failover alias record on it, with a health check on the region's `GET /v1/health`.
 *
 * Failover routing, not latency routing: only the region holding a site's lease can switch it, and the primary holds
 * them all while it is healthy, so an operator's override sent by latency to the standby would start a SwitchFlow
 * that the lease refuses. Failover sends every call to the primary until its health check fails, then to the standby,
 * whose keeper takes the leases when they expire (core/switching/lease.ts).
 */
export class ApiFailoverRecord extends Construct {
  readonly healthCheck: route53.HealthCheck;

  constructor(scope: Construct, id: string, props: ApiFailoverRecordProps) {
    super(scope, id);
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.hostedZoneId,
      zoneName: props.zoneName,
    });
    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.recordName,
      validation: acm.CertificateValidation.fromDns(zone),
    });
    const domain = new apigw.DomainName(this, 'Domain', {
      domainName: props.recordName,
      certificate,
      endpointType: apigw.EndpointType.REGIONAL,
      securityPolicy: apigw.SecurityPolicy.TLS_1_2,
    });
    domain.addBasePathMapping(props.api, { stage: props.api.deploymentStage });
    const region = Stack.of(this).region;
    this.healthCheck = new route53.HealthCheck(this, 'Health', {
      type: route53.HealthCheckType.HTTPS,
      fqdn: `${props.api.restApiId}.execute-api.${region}.${Stack.of(this).urlSuffix}`,
      resourcePath: `/${props.stageName}/v1/health`,
      requestInterval: Duration.seconds(10),
      failureThreshold: 3,
    });
    new route53.ARecord(this, 'Record', {
      zone,
      recordName: props.recordName,
      // Route 53 requires a failover alias to evaluate its target's health (targets.ApiGatewayDomain does not).
      target: route53.RecordTarget.fromAlias({
        bind: () => ({
          dnsName: domain.domainNameAliasDomainName,
          hostedZoneId: domain.domainNameAliasHostedZoneId,
          evaluateTargetHealth: true,
        }),
      }),
      failover: props.role === 'PRIMARY' ? route53.Failover.PRIMARY : route53.Failover.SECONDARY,
      setIdentifier: `hcp-api-${region}`,
      healthCheck: this.healthCheck,
    });
  }
}
