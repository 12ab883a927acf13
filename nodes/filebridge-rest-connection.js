// Node-RED loads this file; the code is compiled from src/nodes/filebridge-rest-connection.ts into dist/.
module.exports = require('../dist/nodes/filebridge-rest-connection');
