/** Reads a PIN from the terminal without echoing it. */
export function readPin(
  prompt: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string | null> {
  return new Promise((resolve) => {
    // Echo off before the prompt shows: a PIN typed the moment the prompt appears must not be echoed.
    input.setRawMode(true);
    output.write(prompt);
    let pin = '';
    input.resume();
    input.setEncoding('utf8');
    const done = (value: string | null) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') return done(pin);
        if (ch === '\u0003' || ch === '\u0004') return done(null); // Ctrl-C, Ctrl-D: give up
        if (ch === '\u007f' || ch === '\b') pin = pin.slice(0, -1);
        else if (/\d/.test(ch)) pin += ch;
      }
    };
    input.on('data', onData);
  });
}
