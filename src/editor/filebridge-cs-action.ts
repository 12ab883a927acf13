/** Editor of filebridge-cs-action: one governance action on a Content Server node. */
import { defineEditor } from './components/register';
import type { Defaults, PropertyDef, TypedInputType, Validator } from './types/node-red-editor';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-cs-action:';
const FROM_MSG: TypedInputType[] = ['msg', 'flow', 'global', 'jsonata'];
/** Settings that are text: an environment variable can hold them too (a deployment's archive folder...). */
const TEXT_FROM: TypedInputType[] = ['msg', 'flow', 'global', 'env', 'jsonata'];

/** The settings entered through a TypedInput; each has a `<name>Type` beside it. */
type TypedName =
  'nodeId' | 'categories' | 'classification' | 'holds' | 'permissions' | 'members' | 'workflowMap' | 'comment' | 'destination' | 'newName' | 'target';

/** Which TypedInputs each action reads (the runtime evaluates only these). */
const USES: Record<string, TypedName[]> = {
  categories: ['categories'],
  classify: ['classification'],
  hold: ['holds'],
  release: ['holds'],
  permissions: ['permissions', 'members'],
  workflow: ['workflowMap', 'comment'],
  move: ['destination'],
  rename: ['newName'],
  'apply-target': ['target'],
};
const TYPES: Record<TypedName, TypedInputType[]> = {
  nodeId: ['msg', 'flow', 'global', 'num', 'jsonata'],
  categories: ['json', ...FROM_MSG],
  classification: ['str', 'num', ...TEXT_FROM],
  holds: ['str', 'json', ...TEXT_FROM],
  permissions: ['json', ...FROM_MSG],
  members: ['str', 'json', ...TEXT_FROM],
  workflowMap: ['str', 'num', ...TEXT_FROM],
  comment: ['str', ...TEXT_FROM],
  destination: ['str', 'num', ...TEXT_FROM],
  newName: ['str', ...TEXT_FROM],
  target: ['msg', 'json', 'flow', 'global', 'jsonata'],
};

type ActionProps = {
  name: string;
  connection: string;
  action: string;
  permissionMode: string;
  applyTo: string;
  createFolders: boolean;
  classificationRoot: string;
} & { [K in TypedName | `${TypedName}Type`]: string };

/** A TypedInput setting is checked only when the chosen action uses it. */
function typedField(name: TypedName): Validator<ActionProps> {
  const check = RED.validators.typedInput<ActionProps>(name + 'Type');
  return function (v, opt) {
    const action = String($('#node-input-action').val() || this.action);
    if (name !== 'nodeId' && (USES[action] || []).indexOf(name) === -1) {
      return true;
    }
    if (v === '' || v === undefined) {
      // Empty: the runtime falls back to msg.filebridge.target, except where nothing can stand in.
      const needed =
        name === 'nodeId' ||
        name === 'destination' ||
        name === 'newName' ||
        (name === 'members' && ($('#node-input-permissionMode').val() || this.permissionMode) === 'revoke');
      return needed ? (opt ? RED._(NS + 'filebridge-cs-action.errors.required') : false) : true;
    }
    return check.call(this, v, opt);
  };
}

function shown(value: string, type: string): string {
  if (!value) {
    return '';
  }
  if (type === 'msg' || type === 'flow' || type === 'global') {
    return type + '.' + value;
  }
  if (type === 'jsonata') {
    return 'expression';
  }
  return String(value);
}

/** Each TypedInput setting's initial value and type. */
const INITIAL: Record<TypedName, [string, TypedInputType]> = {
  nodeId: ['filebridge.cs.id', 'msg'],
  categories: ['', 'json'],
  classification: ['', 'str'],
  holds: ['', 'str'],
  permissions: ['', 'json'],
  members: ['', 'str'],
  workflowMap: ['', 'str'],
  comment: ['', 'str'],
  destination: ['', 'str'],
  newName: ['', 'str'],
  target: ['filebridge.target', 'msg'],
};
const value = (name: TypedName): PropertyDef<ActionProps, string> => ({ value: INITIAL[name][0], validate: typedField(name) });
const type = (name: TypedName): PropertyDef<ActionProps, string> => ({ value: INITIAL[name][1] });

/** In this order in the flow: the fixed settings, then each TypedInput followed by its type. */
const defaults: Defaults<ActionProps> = {
  name: { value: '' },
  connection: { value: '', type: 'filebridge-cs-connection', required: true },
  action: { value: 'apply-target', required: true },
  permissionMode: { value: 'grant' },
  applyTo: { value: '0' },
  createFolders: { value: false },
  classificationRoot: {
    value: '',
    validate: function (v, opt) {
      if (v === '' || v === undefined || /^\s*\d+\s*$/.test(String(v))) {
        return true;
      }
      return opt ? RED._(NS + 'filebridge-cs-action.errors.classificationRoot') : false;
    },
  },
  nodeId: value('nodeId'),
  nodeIdType: type('nodeId'),
  categories: value('categories'),
  categoriesType: type('categories'),
  classification: value('classification'),
  classificationType: type('classification'),
  holds: value('holds'),
  holdsType: type('holds'),
  permissions: value('permissions'),
  permissionsType: type('permissions'),
  members: value('members'),
  membersType: type('members'),
  workflowMap: value('workflowMap'),
  workflowMapType: type('workflowMap'),
  comment: value('comment'),
  commentType: type('comment'),
  destination: value('destination'),
  destinationType: type('destination'),
  newName: value('newName'),
  newNameType: type('newName'),
  target: value('target'),
  targetType: type('target'),
};

defineEditor<ActionProps>('filebridge-cs-action', {
  defaults: defaults,
  paletteLabel: function () {
    return this._('filebridge-cs-action.paletteLabel');
  },
  label: function () {
    if (this.name) {
      return this.name;
    }
    const action = this.action || 'apply-target';
    let detail = '';
    if (action === 'move') {
      detail = shown(this.destination, this.destinationType);
    }
    if (action === 'rename') {
      detail = shown(this.newName, this.newNameType);
    }
    if (action === 'hold' || action === 'release') {
      detail = shown(this.holds, this.holdsType);
    }
    if (action === 'classify') {
      detail = shown(this.classification, this.classificationType);
    }
    if (action === 'workflow') {
      detail = shown(this.workflowMap, this.workflowMapType);
    }
    return 'cs ' + action + (detail ? ' ' + detail : '');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    (Object.keys(TYPES) as TypedName[]).forEach(function (name) {
      $('#node-input-' + name).typedInput({
        default: INITIAL[name][1],
        typeField: $('#node-input-' + name + 'Type'),
        types: TYPES[name],
      });
    });
    function refresh(): void {
      const action = $('#node-input-action').val() || 'apply-target';
      const revoke = $('#node-input-permissionMode').val() === 'revoke';
      $('.filebridge-cs-action-op').each(function () {
        const ops = String($(this).attr('data-ops') || '').split(' ');
        let show = ops.indexOf(String(action)) !== -1;
        if ($(this).hasClass('filebridge-cs-action-grant')) {
          show = show && !revoke;
        }
        if ($(this).hasClass('filebridge-cs-action-revoke')) {
          show = show && revoke;
        }
        $(this).toggle(show);
      });
      RED.tray.resize();
    }
    $('#node-input-action').on('change', refresh);
    $('#node-input-permissionMode').on('change', refresh);
    refresh();
  },
});
