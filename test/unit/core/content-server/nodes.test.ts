import { strict as assert } from 'node:assert';
import { toVersion, versionAnswer, versionListAnswer } from '../../../../src/core/content-server/nodes';

/*
 * Version answers as a real Content Server gives them: the version under `data.versions` (pyxecm's
 * capture of GET /v2/nodes/{id}/versions; OpenText's OpenAPI for adding a version, which also puts
 * the document in `data.properties`), and flat v1 `data`.
 */
const version = (n: number, description = ''): Record<string, unknown> => ({
  create_date: '2025-06-07T05:29:22Z',
  description,
  external_source: 'file_system',
  file_name: 'OpenText-PPT-Presentation-FY25-LIGHT-FINAL.pptx',
  file_size: 4057237 + n,
  id: 107044,
  version_id: 103563 + n,
  version_number: n,
  version_number_major: 0,
  version_number_minor: n,
  version_number_name: String(n),
});

describe('content-server: node and version answers', () => {
  it('reads a v2 version list with one data.versions per row', () => {
    const body = { links: {}, results: [{ data: { versions: version(1) } }, { data: { versions: version(2, 'second') } }] };
    const versions = versionListAnswer(body).map((p) => toVersion(p, 107044));
    assert.deepEqual(
      versions.map((v) => [v.versionNumber, v.fileSize, v.description]),
      [
        [1, 4057238, ''],
        [2, 4057239, 'second'],
      ],
    );
  });

  it('reads the new version of an add-version answer, not the document beside it', () => {
    const body = {
      links: {},
      results: { data: { properties: { id: 107044, name: 'deck.pptx', type: 144, size: 1 }, versions: version(3, 'third') } },
    };
    const v = toVersion(versionAnswer(body), 107044);
    assert.deepEqual([v.versionNumber, v.description, v.fileSize], [3, 'third', 4057240]);
  });

  it('takes a versions list where the OpenAPI types one, and flat v1 data', () => {
    assert.equal(toVersion(versionAnswer({ results: { data: { versions: [version(4)] } } }), 1).versionNumber, 4);
    assert.equal(toVersion(versionAnswer({ data: version(5) }), 1).versionNumber, 5);
    assert.deepEqual(
      versionListAnswer({ data: [version(1), version(2)] }).map((p) => p.version_number),
      [1, 2],
    );
  });
});
