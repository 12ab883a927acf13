/** A simulator's answer as the tests read it: status, headers, the text as sent, and its JSON when it is JSON. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, undefined when not JSON. */
  json: unknown;
}

/** Reads a fetch answer whole: the text is kept, so tests can look at how ids or numbers were written. */
export async function answerOf(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
