import {
  type CfnTemplate,
  extractAsl,
  findStateMachine,
  placeholderLambdaArn,
  resolveIntrinsics,
  TemplateError,
} from '../../../sim/local/stepfunctions/index.js';

/** The shape CDK synthesizes: a DefinitionString joined from JSON fragments and resource references. */
const template = (): CfnTemplate => ({
  Parameters: { Stage: { Default: 'dev' } },
  Resources: {
    PrepareFn1A2B3C4D: { Type: 'AWS::Lambda::Function' },
    Table5E6F7A8B: { Type: 'AWS::DynamoDB::Table' },
    SwitchFlowStateMachineC0FFEE01: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        DefinitionString: {
          'Fn::Join': [
            '',
            [
              '{"StartAt":"Prepare","States":{"Prepare":{"Type":"Task","Resource":"arn:',
              { Ref: 'AWS::Partition' },
              ':states:::lambda:invoke","Parameters":{"FunctionName":"',
              { 'Fn::GetAtt': ['PrepareFn1A2B3C4D', 'Arn'] },
              '","Payload.$":"$"},"Next":"Save"},"Save":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem",',
              '"Parameters":{"TableName":"',
              { Ref: 'Table5E6F7A8B' },
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder, not JS.
              '","Item":{"stage":{"S":"${Stage}"}}},"End":true}}}',
            ],
          ],
        },
        DefinitionSubstitutions: { Stage: { Ref: 'Stage' } },
      },
    },
    OtherFlowStateMachine99999999: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { Definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } },
    },
  },
});

describe('ASL extraction from a synthesized template', () => {
  it('resolves Fn::Join, Ref and Fn::GetAtt into the definition, Lambda ARNs as placeholders', () => {
    // Act
    const definition = extractAsl(template(), 'SwitchFlow');

    // Assess
    expect(definition.StartAt).toBe('Prepare');
    expect(definition.States.Prepare).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: placeholderLambdaArn('PrepareFn1A2B3C4D'), 'Payload.$': '$' },
    });
    expect(definition.States.Save).toMatchObject({
      Parameters: { TableName: 'Table5E6F7A8B', Item: { stage: { S: 'dev' } } },
    });
  });

  it('uses the values given for references instead of the placeholders', () => {
    // Act
    const definition = extractAsl(template(), 'SwitchFlow', {
      resolvedValues: { Table5E6F7A8B: 'hcp-local', 'PrepareFn1A2B3C4D.Arn': 'arn:aws:lambda:eu-west-1:1:function:x' },
    });

    // Assess
    expect(definition.States.Save).toMatchObject({ Parameters: { TableName: 'hcp-local' } });
    expect(definition.States.Prepare).toMatchObject({
      Parameters: { FunctionName: 'arn:aws:lambda:eu-west-1:1:function:x' },
    });
  });

  it('reads a definition given as an object', () => {
    // Act
    const definition = extractAsl(template(), 'OtherFlow');

    // Assess
    expect(definition).toEqual({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
  });

  it('names the state machines it has when no logical id matches the prefix', () => {
    // Act
    const find = () => findStateMachine(template(), 'Missing');

    // Assess
    expect(find).toThrow(TemplateError);
    expect(find).toThrow(/SwitchFlowStateMachineC0FFEE01, OtherFlowStateMachine99999999/);
  });

  it('refuses a prefix that matches more than one state machine', () => {
    // Act
    const find = () => findStateMachine(template(), '');

    // Assess
    expect(find).toThrow(/ambiguous/);
  });

  it('resolves Fn::Sub with pseudo parameters, attributes and local variables', () => {
    // Act
    const resolved = resolveIntrinsics(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JS.
      { 'Fn::Sub': ['${AWS::Region}/${Table5E6F7A8B.Arn}/${Name}', { Name: { Ref: 'Stage' } }] },
      template(),
    );

    // Assess
    expect(resolved).toBe('us-east-1/arn:aws:dynamodb:us-east-1:123456789012:table/Table5E6F7A8B/dev');
  });

  it('refuses intrinsics it cannot evaluate locally and references to unknown resources', () => {
    // Act
    const conditional = () => resolveIntrinsics({ 'Fn::If': ['IsProd', 'a', 'b'] }, template());
    const unknown = () => resolveIntrinsics({ Ref: 'Nope' }, template());

    // Assess
    expect(conditional).toThrow(/Fn::If is not supported/);
    expect(unknown).toThrow(/unknown logical id 'Nope'/);
  });
});
