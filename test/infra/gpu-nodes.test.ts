import { Match, Template } from 'aws-cdk-lib/assertions';
import { apiTemplate, synthesizedApp } from './app-fixture.js';

const { stacks } = synthesizedApp();
const iot = Template.fromStack(stacks.iot);
const api = apiTemplate(stacks.api);

describe('GPU node inventory path', () => {
  it('sends each site’s gpu-nodes reports, only those naming the topic’s site, to the report Lambda', () => {
    // Assess
    iot.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: "SELECT * FROM 'hcp/v1/sites/+/gpu-nodes' WHERE siteId = topic(4)",
        Actions: [{ Lambda: { FunctionArn: Match.anyValue() } }],
        ErrorAction: { Sqs: Match.objectLike({ UseBase64: false }) },
      }),
    });
  });

  it('gives the report Lambda the table’s item actions and its name, and no wildcard', () => {
    // Prepare
    const fns = iot.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'hcp-gpu-nodes' } } },
    });

    // Assess
    expect(Object.keys(fns)).toHaveLength(1);
    const fn = Object.values(fns)[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(fn.Properties.Environment.Variables.TABLE_NAME).toBeDefined();
    iot.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['dynamodb:GetItem', 'dynamodb:PutItem']),
            Resource: Match.not(Match.stringLikeRegexp('\\*')),
          }),
        ]),
      },
    });
  });

  it('lets only the node command and workload cancel routes publish, each only on its own sites’ topics', () => {
    // Prepare
    const publishing = Object.values(api.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (
        policy as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } }
      ).Properties.PolicyDocument.Statement.filter((s) => s.Action === 'iot:Publish'),
    );
    const topics = publishing.map((s) => JSON.stringify(s.Resource).match(/:topic\/([^"]+)"/)?.[1]).sort();

    // Assess
    expect(topics).toEqual(['hcp/v1/sites/*/gpu-node-commands', 'hcp/v1/sites/*/job-cancels']);
  });
});
