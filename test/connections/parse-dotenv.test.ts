import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/connections/parse-dotenv.js';
import { catchError } from './temp-project.js';

describe('parseDotenv', () => {
  it('reads plain, exported, quoted and commented assignments', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=abc',
      'SPACED =  value with spaces  ',
      'export EXPORTED=yes',
      'COMMENTED=value # trailing comment',
      'HASH=pa#ss',
      "SINGLE='lit $HOME \\n # not a comment'",
      'DOUBLE="line1\\nline2 \\"q\\" \\\\"',
      'EMPTY=',
      'EQUALS=a=b=c',
    ].join('\n');
    expect(parseDotenv(text)).toEqual({
      PLAIN: 'abc',
      SPACED: 'value with spaces',
      EXPORTED: 'yes',
      COMMENTED: 'value',
      HASH: 'pa#ss',
      SINGLE: 'lit $HOME \\n # not a comment',
      DOUBLE: 'line1\nline2 "q" \\',
      EMPTY: '',
      EQUALS: 'a=b=c',
    });
  });

  it('reads a double-quoted value over several lines and CRLF files', () => {
    expect(parseDotenv('KEY="-----BEGIN\nabc\n-----END"\r\nNEXT=1\r\n')).toEqual({
      KEY: '-----BEGIN\nabc\n-----END',
      NEXT: '1',
    });
  });

  it('refuses a line that is not an assignment, naming the line and not its text', () => {
    const error = catchError(() => parseDotenv('A=1\nsecret-Pw-value\n', '/p/.env'));
    expect(error.message).toBe('/p/.env:2:1: expected KEY=value (KEY of letters, digits and _)');
    expect(error.code).toBe('config_error');
  });

  it('refuses an unterminated quote', () => {
    expect(catchError(() => parseDotenv('A="abc\nB=2\n')).message).toBe(
      '.env:1:3: the value of A has no closing "',
    );
  });
});
