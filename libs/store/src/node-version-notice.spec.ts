import { describe, expect, it } from 'vitest';
import { quietNodeVersionWarning } from './node-version-notice.js';

describe('quietNodeVersionWarning', () => {
  it('silences the SDK and says one line of its own on Node 20', () => {
    const env: Record<string, string | undefined> = {};
    expect(quietNodeVersionWarning(env, '20.20.2')).toBe(
      'Note: Node.js 20.20.2 is past its end of life; everything works, but install Node.js 22 or newer (the AWS SDK will soon require it)',
    );
    expect(env).toEqual({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  });

  it('says nothing on a supported line', () => {
    const env: Record<string, string | undefined> = {};
    expect(quietNodeVersionWarning(env, '24.22.3')).toBeUndefined();
    expect(env).toEqual({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  });

  it('keeps a choice the user made, and then says nothing', () => {
    const env: Record<string, string | undefined> = {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false',
    };
    expect(quietNodeVersionWarning(env, '20.20.2')).toBeUndefined();
    expect(env).toEqual({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });
  });
});
