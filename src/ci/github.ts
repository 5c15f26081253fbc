/**
 * The little of the GitHub REST API the CI action needs, behind an interface so the action can be
 * tested against a stand-in server (or a fake) and never needs the real one.
 */
export interface IssueComment {
  id: number;
  body: string;
}

export interface GitHubApi {
  listComments(issue: number): Promise<IssueComment[]>;
  createComment(issue: number, body: string): Promise<IssueComment>;
  updateComment(id: number, body: string): Promise<IssueComment>;
}

export class GitHubApiError extends Error {
  override name = 'GitHubApiError';
}

/** api.github.com (or GITHUB_API_URL on GitHub Enterprise), authenticated with a token. */
export class RestGitHubApi implements GitHubApi {
  constructor(
    private readonly apiUrl: string,
    /** `owner/name` */
    private readonly repository: string,
    private readonly token: string,
  ) {}

  async listComments(issue: number): Promise<IssueComment[]> {
    const all: IssueComment[] = [];
    for (let page = 1; ; page++) {
      const batch = (await this.call('GET', `/repos/${this.repository}/issues/${issue}/comments?per_page=100&page=${page}`)) as IssueComment[];
      all.push(...batch.map((c) => ({ id: c.id, body: c.body ?? '' })));
      if (batch.length < 100) return all;
    }
  }

  async createComment(issue: number, body: string): Promise<IssueComment> {
    return (await this.call('POST', `/repos/${this.repository}/issues/${issue}/comments`, { body })) as IssueComment;
  }

  async updateComment(id: number, body: string): Promise<IssueComment> {
    return (await this.call('PATCH', `/repos/${this.repository}/issues/comments/${id}`, { body })) as IssueComment;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.apiUrl.replace(/\/$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'podwall-ci-action',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new GitHubApiError(`${method} ${url}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      const hint = res.status === 403 || res.status === 404 ? ' (does the workflow grant `permissions: pull-requests: write`?)' : '';
      throw new GitHubApiError(`${method} ${url}: HTTP ${res.status}${hint}: ${text.slice(0, 200)}`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new GitHubApiError(`${method} ${url}: the answer is not JSON`);
    }
  }
}

/** The one comment the action owns on a pull request: found by a hidden marker, created once, then updated. */
export async function upsertComment(api: GitHubApi, issue: number, marker: string, body: string): Promise<{ id: number; created: boolean }> {
  const mine = (await api.listComments(issue)).find((c) => c.body.includes(marker));
  const text = body.includes(marker) ? body : `${marker}\n${body}`;
  if (mine) return { id: (await api.updateComment(mine.id, text)).id, created: false };
  return { id: (await api.createComment(issue, text)).id, created: true };
}
