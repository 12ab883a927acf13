// Node-RED loads this file; the code is compiled from src/nodes/filebridge-partner-format.ts into dist/.
module.exports = require('../dist/nodes/filebridge-partner-format');
