import { describe, expect, it } from 'vitest';
import { isSupportedNode, MIN_NODE_VERSION, nodeSupportNotice } from './node-support.js';

describe('isSupportedNode', () => {
  it.each<[string, boolean]>([
    ['v20.20.2', false],
    ['22.11.0', false],
    ['v22.12.0', true],
    ['22.23.5', true],
    ['v24.22.3', true],
    ['v26.12.1', true],
    ['27.0.0-nightly2027', true],
  ])('%s: %s', (version, supported) => {
    expect(isSupportedNode(version)).toBe(supported);
  });
});

describe('nodeSupportNotice', () => {
  it('silences the SDK and says one line of its own on an older Node.js', () => {
    const env: Record<string, string | undefined> = {};
    expect(nodeSupportNotice(env, 'v20.20.2')).toBe(
      'Note: Node.js 20.20.2 is older than 22.12.0, the oldest this tool supports: install the current LTS from https://nodejs.org',
    );
    expect(env).toEqual({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  });

  it('says nothing on a supported line, and still keeps the SDK quiet', () => {
    const env: Record<string, string | undefined> = {};
    expect(nodeSupportNotice(env, `v${MIN_NODE_VERSION}`)).toBeUndefined();
    expect(nodeSupportNotice(env, 'v26.12.1')).toBeUndefined();
    expect(env).toEqual({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  });

  it('keeps a choice the user made, and then says nothing', () => {
    const env: Record<string, string | undefined> = {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false',
    };
    expect(nodeSupportNotice(env, 'v20.20.2')).toBeUndefined();
    expect(env).toEqual({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });
  });
});
