// Node-RED loads this file; the code is compiled from src/nodes/filebridge-f360-put.ts into dist/.
module.exports = require('../dist/nodes/filebridge-f360-put');
