/**
 * A small Mapbox Vector Tile decoder (spec 2.1): layers, features, tags and geometry. The map needs
 * no more than this to draw areas and clusters on a canvas; measured against the libraries in the README.
 */

const utf8 = new TextDecoder();

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  varint() {
    let result = 0;
    let shift = 0;
    let byte;
    do {
      byte = this.bytes[this.pos++];
      // Past 2^31 bit operations overflow; multiply instead (ids are below 2^53).
      result += shift < 28 ? (byte & 0x7f) << shift : (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  }

  zigzag() {
    const n = this.varint();
    return n % 2 === 1 ? (n + 1) / -2 : n / 2;
  }

  string() {
    const end = this.varint() + this.pos;
    const text = utf8.decode(this.bytes.subarray(this.pos, end));
    this.pos = end;
    return text;
  }

  /** Calls `each(field, wireType)` for every field until `end`; a field it leaves unread is skipped. */
  fields(end, each) {
    while (this.pos < end) {
      const tag = this.varint();
      const start = this.pos;
      each(tag >> 3, tag & 7);
      if (this.pos === start) this.skip(tag & 7);
    }
  }

  skip(wireType) {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.pos += this.varint();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`MVT: wire type ${wireType}`);
  }

  packed() {
    const end = this.varint() + this.pos;
    const values = [];
    while (this.pos < end) values.push(this.varint());
    return values;
  }
}

function readValue(reader, end) {
  let value = null;
  reader.fields(end, (field) => {
    if (field === 1) value = reader.string();
    else if (field === 2) {
      value = reader.view.getFloat32(reader.pos, true);
      reader.pos += 4;
    } else if (field === 3) {
      value = reader.view.getFloat64(reader.pos, true);
      reader.pos += 8;
    } else if (field === 4 || field === 5) value = reader.varint();
    else if (field === 6) value = reader.zigzag();
    else if (field === 7) value = reader.varint() === 1;
  });
  return value;
}

/** Geometry commands to rings or points: [[[x, y], …], …] in tile units. */
export function decodeGeometry(commands) {
  const parts = [];
  let part = null;
  let x = 0;
  let y = 0;
  for (let i = 0; i < commands.length; ) {
    const command = commands[i] & 7;
    const count = commands[i] >> 3;
    i++;
    if (command === 7) {
      if (part?.length) part.push(part[0]);
      continue;
    }
    for (let n = 0; n < count; n++) {
      const dx = commands[i++];
      const dy = commands[i++];
      x += dx % 2 === 1 ? (dx + 1) / -2 : dx / 2;
      y += dy % 2 === 1 ? (dy + 1) / -2 : dy / 2;
      if (command === 1) {
        part = [];
        parts.push(part);
      }
      part.push([x, y]);
    }
  }
  return parts;
}

function readFeature(reader, end, keys, values) {
  const feature = { id: null, type: 0, properties: {}, geometry: [] };
  let tags = [];
  let commands = [];
  reader.fields(end, (field) => {
    if (field === 1) feature.id = reader.varint();
    else if (field === 2) tags = reader.packed();
    else if (field === 3) feature.type = reader.varint();
    else if (field === 4) commands = reader.packed();
  });
  for (let i = 0; i + 1 < tags.length; i += 2) feature.properties[keys[tags[i]]] = values[tags[i + 1]];
  feature.geometry = decodeGeometry(commands);
  return feature;
}

function readLayer(reader, end) {
  const layer = { name: "", extent: 4096, features: [] };
  const keys = [];
  const values = [];
  const features = [];
  reader.fields(end, (field) => {
    if (field === 1) layer.name = reader.string();
    else if (field === 2) {
      const length = reader.varint();
      features.push([reader.pos, reader.pos + length]);
      reader.pos += length;
    } else if (field === 3) keys.push(reader.string());
    else if (field === 4) {
      const length = reader.varint();
      values.push(readValue(reader, reader.pos + length));
    } else if (field === 5) layer.extent = reader.varint();
  });
  // Features come before keys and values in the bytes, so they are read once both are known.
  for (const [start, stop] of features) {
    reader.pos = start;
    layer.features.push(readFeature(reader, stop, keys, values));
  }
  reader.pos = end;
  return layer;
}

/** The layers of one tile, by name: {name: {extent, features: [{id, type, properties, geometry}]}}. */
export function decodeTile(buffer) {
  const reader = new Reader(new Uint8Array(buffer));
  const layers = {};
  reader.fields(reader.bytes.length, (field) => {
    if (field === 3) {
      const length = reader.varint();
      const layer = readLayer(reader, reader.pos + length);
      layers[layer.name] = layer;
    }
  });
  return layers;
}
