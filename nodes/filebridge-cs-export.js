// Node-RED loads this file; the code is compiled from src/nodes/filebridge-cs-export.ts into dist/.
module.exports = require('../dist/nodes/filebridge-cs-export');
