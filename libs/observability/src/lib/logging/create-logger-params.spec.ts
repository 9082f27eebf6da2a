import { InvalidLogLevelError, resolveLogLevel } from './create-logger-params';

describe('resolveLogLevel', () => {
  it('prefers the configured level over LOG_LEVEL', () => {
    expect(resolveLogLevel('debug', 'warn')).toBe('debug');
  });

  it('falls back to LOG_LEVEL, then to info', () => {
    expect(resolveLogLevel(undefined, ' WARN ')).toBe('warn');
    expect(resolveLogLevel(undefined, undefined)).toBe('info');
  });

  it('refuses an unknown level, naming LOG_LEVEL', () => {
    expect(() => resolveLogLevel(undefined, 'verbose')).toThrow(InvalidLogLevelError);
    expect(() => resolveLogLevel(undefined, 'verbose')).toThrow(/LOG_LEVEL/);
  });
});
