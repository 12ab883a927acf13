// Node-RED loads this file; the code is compiled from src/nodes/filebridge-map-metadata.ts into dist/.
module.exports = require('../dist/nodes/filebridge-map-metadata');
