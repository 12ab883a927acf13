// Node-RED loads this file; the code is compiled from src/nodes/filebridge-batch.ts into dist/.
module.exports = require('../dist/nodes/filebridge-batch');
